package dev.distillery.verify;

/**
 * Cost of one model on this machine. Latency and throughput are NaN and the heap −1 when not measured.
 *
 * @param sizeBytes        bytes of the regular files in the model folder
 * @param parameters       trainable values in the model (embeddings, layers, head)
 * @param latencyP50Millis median wall time of one single-text prediction, tokenizing included
 * @param throughputPerSec texts per second predicting batches of {@code batchSize}
 * @param peakHeapBytes    sum over heap memory pools of their peak use while loading and running the model,
 *                         after a GC and a peak reset; an upper bound, since pools peak at different moments
 * @param retainedHeapBytes heap in use after the runs and a full GC with the model still loaded: its resident
 *                         footprint (plus the small results kept of earlier models)
 * @param method           how it was measured, in a sentence for the report
 */
public record Efficiency(long sizeBytes, long parameters, double latencyP50Millis, double latencyP95Millis,
                         double latencyP99Millis, double throughputPerSec, int batchSize, long peakHeapBytes, long retainedHeapBytes,
                         String method) {
    public boolean measured() {
        return !Double.isNaN(latencyP50Millis);
    }
}
