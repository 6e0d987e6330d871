package dev.distillery.verify;

/**
 * How efficiency is measured.
 *
 * @param measure        false skips latency, throughput and heap (size and parameters are always reported)
 * @param warmupRuns     untimed batch-1 predictions first, so the JIT has compiled the hot paths
 * @param latencyRuns    timed batch-1 predictions, one test text each, cycling through the file
 * @param throughputBatches timed batches of {@code batchSize} texts
 * @param batchSize      texts per batch in the throughput run
 */
public record EfficiencyOptions(boolean measure, int warmupRuns, int latencyRuns, int throughputBatches, int batchSize) {
    public EfficiencyOptions {
        if (warmupRuns < 0 || latencyRuns < 1 || throughputBatches < 1 || batchSize < 1) {
            throw new IllegalArgumentException("efficiency runs need warmup >= 0 and latency runs, throughput batches and"
                    + " batch size >= 1; got " + warmupRuns + ", " + latencyRuns + ", " + throughputBatches + ", " + batchSize);
        }
    }

    /** 20 warm-up runs, 200 timed batch-1 runs, 8 batches of 32. */
    public static EfficiencyOptions defaults() {
        return new EfficiencyOptions(true, 20, 200, 8, 32);
    }

    /** Size and parameters only: for tests, where timing is not asserted. */
    public static EfficiencyOptions sizeOnly() {
        return new EfficiencyOptions(false, 0, 1, 1, 1);
    }
}
