package dev.distillery.bench;

/**
 * Figures of one {@code bench} run. ONNX Runtime figures are null when no peer ran (a model with
 * no ONNX file). Ratios are Distillery / ONNX Runtime: above 1 is better for throughput, below 1
 * is better for latency.
 *
 * @param throughputBatch sequences per throughput call, each {@code seqLen} tokens
 * @param throughputCalls timed calls per engine in the throughput phase
 * @param latencyCalls    timed single-sequence calls per engine
 */
public record BenchResult(
        int threads,
        int seqLen,
        int throughputBatch,
        int throughputCalls,
        int latencyCalls,
        double distillerySeqPerSec,
        Double ortSeqPerSec,
        double distilleryLatencyMs,
        Double ortLatencyMs) {

    public Double throughputRatio() {
        return ortSeqPerSec == null ? null : distillerySeqPerSec / ortSeqPerSec;
    }

    public Double latencyRatio() {
        return ortLatencyMs == null ? null : distilleryLatencyMs / ortLatencyMs;
    }
}
