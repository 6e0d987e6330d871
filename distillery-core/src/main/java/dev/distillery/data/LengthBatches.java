package dev.distillery.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Batches of example indices grouped by similar token length, so a padded batch wastes few positions
 * while the order stays random from epoch to epoch (the "bucket" sampler of many trainers).
 *
 * <p>Indices are shuffled with {@code new Random(seed)}, cut into buckets of
 * {@code batchSize × bucketBatches}, sorted by length inside each bucket (stable, so equal lengths
 * keep the shuffled order), cut into batches, and the batches shuffled again with the same generator.
 * Only the last batch overall can be short. Example: lengths {@code [5, 1, 5, 1]}, batch size 2,
 * one bucket → batches {@code {1, 3}} and {@code {0, 2}} in some seeded order.
 */
public final class LengthBatches {
    /** Batches per sorted bucket: large enough to find similar lengths, small enough to stay random. */
    public static final int DEFAULT_BUCKET_BATCHES = 50;

    private LengthBatches() {
    }

    public static List<int[]> of(int[] lengths, int batchSize, long seed) {
        return of(lengths, batchSize, DEFAULT_BUCKET_BATCHES, seed);
    }

    /** @param lengths token count of each example, {@code [examples]} */
    public static List<int[]> of(int[] lengths, int batchSize, int bucketBatches, long seed) {
        if (batchSize <= 0 || bucketBatches <= 0) {
            throw new IllegalArgumentException("batch size " + batchSize + " and batches per bucket " + bucketBatches
                    + " must be positive");
        }
        Random random = new Random(seed);
        List<Integer> order = new ArrayList<>(lengths.length);
        for (int i = 0; i < lengths.length; i++) {
            order.add(i);
        }
        Collections.shuffle(order, random);
        int bucket = (int) Math.min(Integer.MAX_VALUE, (long) batchSize * bucketBatches);
        List<int[]> batches = new ArrayList<>((lengths.length + batchSize - 1) / batchSize);
        for (int from = 0; from < order.size(); from += bucket) {
            List<Integer> b = new ArrayList<>(order.subList(from, Math.min(order.size(), from + bucket)));
            b.sort(Comparator.comparingInt(i -> lengths[i]));
            for (int k = 0; k < b.size(); k += batchSize) {
                batches.add(b.subList(k, Math.min(b.size(), k + batchSize)).stream().mapToInt(Integer::intValue).toArray());
            }
        }
        // keep the one short batch (the last of the last bucket) at the end, shuffle the full ones
        int full = lengths.length % batchSize == 0 ? batches.size() : batches.size() - 1;
        Collections.shuffle(batches.subList(0, full), random);
        return batches;
    }

    /** Padding positions if each batch is padded to its longest example: Σ (max length × size − Σ lengths). */
    public static long paddingTokens(int[] lengths, List<int[]> batches) {
        long padding = 0;
        for (int[] batch : batches) {
            int max = Arrays.stream(batch).map(i -> lengths[i]).max().orElse(0);
            for (int i : batch) {
                padding += max - lengths[i];
            }
        }
        return padding;
    }
}
