package dev.distillery.eval.mcq;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Questions to fine-tune on that the evaluation never sees: a pool with every question whose text
 * is also in the evaluation set removed, then deduplicated, both compared by {@link McqQuestion#key()}
 * (whitespace collapsed, case folded), keeping the first of duplicates in pool order. CyberMetric's
 * sets overlap (all 80 questions of the 80-set are in the 500-set; the 2000-set shares 130 with the
 * 500-set), which is why a split by file alone would leak answers into training.
 * <pre>{@code
 * McqSplit s = McqSplit.disjoint(read("cybermetric-2000.jsonl"), read("cybermetric-500.jsonl"));
 * s.train().size();  // 2000 − 130 overlapping − duplicates within the pool
 * }</pre>
 *
 * @param train       the pool's questions absent from the evaluation set, each text once
 * @param pool        questions in the pool
 * @param overlapping pool questions dropped because the evaluation set has their text
 * @param duplicates  pool questions dropped because an earlier pool question had their text
 */
public record McqSplit(List<McqQuestion> train, int pool, int overlapping, int duplicates) {
    public McqSplit {
        train = List.copyOf(train);
    }

    public static McqSplit disjoint(List<McqQuestion> pool, List<McqQuestion> evaluation) {
        Set<String> held = new HashSet<>();
        for (McqQuestion q : evaluation) {
            held.add(q.key());
        }
        Set<String> seen = new HashSet<>();
        List<McqQuestion> train = new ArrayList<>();
        int overlapping = 0;
        int duplicates = 0;
        for (McqQuestion q : pool) {
            String k = q.key();
            if (held.contains(k)) {
                overlapping++;
            } else if (!seen.add(k)) {
                duplicates++;
            } else {
                train.add(q);
            }
        }
        return new McqSplit(train, pool.size(), overlapping, duplicates);
    }

    /** One sentence saying how the split was made, for logs and reports. */
    public String describe(String poolName, String evaluationName) {
        return String.format(java.util.Locale.ROOT, "%d of the %d questions of %s: %d dropped because %s has their text, "
                        + "%d dropped as repeats within the pool (questions compared with whitespace collapsed and case folded)",
                train.size(), pool, poolName, overlapping, evaluationName, duplicates);
    }
}
