package dev.distillery.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Seeded, label-stratified splits of one dataset, optionally keeping each URL host in one split.
 *
 * <p>Groups (hosts, or single rows) are shuffled with {@code new Random(seed)}, then stably sorted
 * largest first, and each is placed greedily in the split where it most reduces the squared error
 * between rows per label and the target {@code ratio × rows of that label} (errors scaled by the
 * label's total so rare labels count as much as common ones). With single rows this is an exact
 * stratified split up to rounding; with hosts it is as close as the group sizes allow. The same
 * data, spec and seed always give the same split ({@link Random}'s algorithm is specified).
 */
public final class Splitter {
    private Splitter() {
    }

    /** Train, validation, test indices {0, 1, 2} per row. */
    public static int[] assign(Dataset data, SplitSpec spec) {
        int classes = data.labelMap().size();
        List<int[]> groups = groups(data, spec.grouping());
        Collections.shuffle(groups, new Random(spec.seed()));
        groups.sort(Comparator.comparingInt((int[] g) -> g.length).reversed());

        int[] totals = data.labelCounts();
        double[][] target = new double[3][classes];
        for (int s = 0; s < 3; s++) {
            for (int c = 0; c < classes; c++) {
                target[s][c] = spec.ratio(s) * totals[c];
            }
        }
        double[][] assigned = new double[3][classes];
        int[] groupCounts = new int[classes];
        int[] splitOf = new int[data.size()];
        for (int[] group : groups) {
            Arrays.fill(groupCounts, 0);
            for (int row : group) {
                groupCounts[data.label(row)]++;
            }
            int best = -1;
            double bestDelta = Double.POSITIVE_INFINITY;
            for (int s = 0; s < 3; s++) {
                if (spec.ratio(s) == 0) {
                    continue;
                }
                double delta = 0; // change of Σ_c ((assigned − target) / total)² if the group joins split s
                for (int c = 0; c < classes; c++) {
                    if (groupCounts[c] == 0) {
                        continue;
                    }
                    double g = groupCounts[c];
                    double t = totals[c];
                    delta += g * (2 * (assigned[s][c] - target[s][c]) + g) / (t * t);
                }
                if (delta < bestDelta) {
                    bestDelta = delta;
                    best = s;
                }
            }
            for (int c = 0; c < classes; c++) {
                assigned[best][c] += groupCounts[c];
            }
            for (int row : group) {
                splitOf[row] = best;
            }
        }
        return splitOf;
    }

    /** The three splits; rows keep their original relative order inside each. */
    public static Splits split(Dataset data, SplitSpec spec) {
        int[] splitOf = assign(data, spec);
        int[][] rows = new int[3][];
        int[] n = new int[3];
        for (int s : splitOf) {
            n[s]++;
        }
        for (int s = 0; s < 3; s++) {
            rows[s] = new int[n[s]];
            n[s] = 0;
        }
        for (int i = 0; i < splitOf.length; i++) {
            rows[splitOf[i]][n[splitOf[i]]++] = i;
        }
        return new Splits(data.subset(data.name() + "#train", rows[0]),
                data.subset(data.name() + "#validation", rows[1]),
                data.subset(data.name() + "#test", rows[2]));
    }

    /**
     * Moves {@code fraction} of the training rows (stratified, grouped as asked) into a new validation
     * set and keeps the test set: for datasets shipped with train and test only, such as NSL-KDD.
     */
    public static Splits carveValidation(Splits splits, double fraction, long seed, SplitSpec.Grouping grouping) {
        Splits carved = split(splits.train(), new SplitSpec(1 - fraction, fraction, 0, seed, grouping));
        return new Splits(carved.train(), carved.validation(), splits.test());
    }

    /** Row groups in first-appearance order, so the shuffle alone decides their order. */
    private static List<int[]> groups(Dataset data, SplitSpec.Grouping grouping) {
        List<int[]> groups = new ArrayList<>();
        if (grouping == SplitSpec.Grouping.NONE) {
            for (int i = 0; i < data.size(); i++) {
                groups.add(new int[] {i});
            }
            return groups;
        }
        Map<String, List<Integer>> byHost = new LinkedHashMap<>();
        for (int i = 0; i < data.size(); i++) {
            byHost.computeIfAbsent(Hosts.hostOf(data.text(i)), k -> new ArrayList<>()).add(i);
        }
        for (List<Integer> rows : byHost.values()) {
            groups.add(rows.stream().mapToInt(Integer::intValue).toArray());
        }
        return groups;
    }
}
