package dev.distillery.nn;

/**
 * The keys and values a decoder has computed so far, per layer, for generation: each new token
 * attends to every cached one without recomputing them. Keys are stored after rotation, so a
 * cached key never changes. Sequences of a batch advance together.
 *
 * <p>Not thread-safe: one generation owns its cache. Example: a cache for 1 sequence of up to
 * 256 tokens over 5 layers of 4 key/value heads of 16 holds 2 · 5 · 256 · 64 floats.
 */
public final class KvCache {
    private final int batch;
    private final int capacity;
    private final int kvDim;
    private final Layer[] layers;

    /** One layer's keys and values, [batch, capacity, kvDim] each. */
    public final class Layer {
        private final float[] keys = new float[batch * capacity * kvDim];
        private final float[] values = new float[batch * capacity * kvDim];

        /**
         * Copies the keys and values of {@code seq} new tokens per sequence (row r of sequence b at
         * {@code (b·seq + r)·ld} of {@code src}, keys from column {@code keyCol}, values from
         * {@code valueCol}) to positions {@code first ..}.
         */
        void append(float[] src, int keyCol, int valueCol, int ld, int batchSize, int seq, int first) {
            if (batchSize != batch || first + seq > capacity) {
                throw new IllegalArgumentException("the cache holds " + batch + " sequences of up to " + capacity
                        + " tokens; asked for " + batchSize + " at positions " + first + ".." + (first + seq - 1));
            }
            for (int b = 0; b < batch; b++) {
                for (int r = 0; r < seq; r++) {
                    int from = (b * seq + r) * ld;
                    int to = (b * capacity + first + r) * kvDim;
                    System.arraycopy(src, from + keyCol, keys, to, kvDim);
                    System.arraycopy(src, from + valueCol, values, to, kvDim);
                }
            }
        }

        Attention.Rows keys() {
            return new Attention.Rows(keys, 0, kvDim, capacity * kvDim);
        }

        Attention.Rows values() {
            return new Attention.Rows(values, 0, kvDim, capacity * kvDim);
        }
    }

    public KvCache(int layers, int batch, int capacity, int kvDim) {
        this.batch = batch;
        this.capacity = capacity;
        this.kvDim = kvDim;
        this.layers = new Layer[layers];
        for (int i = 0; i < layers; i++) {
            this.layers[i] = new Layer();
        }
    }

    public Layer layer(int i) {
        return layers[i];
    }

    public int capacity() {
        return capacity;
    }

    public int batch() {
        return batch;
    }

    /** Bytes the cache holds. */
    public long bytes() {
        return 8L * layers.length * batch * capacity * kvDim;
    }
}
