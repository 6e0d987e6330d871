package dev.distillery.model;

import dev.distillery.nn.KvCache;

/**
 * A causal backbone that can also run incrementally: new tokens at given positions against a
 * {@link KvCache} of everything before them, which is how generation computes one token at a time
 * at the cost of one token. {@link #hidden} over a whole sequence and {@link #step} over its
 * pieces give the same hidden states up to summation order.
 */
public interface Decoder extends Backbone {
    /** An empty cache for {@code batch} sequences of up to {@code capacity} tokens. */
    KvCache newCache(int batch, int capacity);

    /**
     * The final hidden states [batch·seq, hidden] of {@code seq} new tokens per sequence
     * ({@code ids} [batch·seq]) at positions {@code firstPosition ..}, attending to the
     * {@code firstPosition} tokens already in {@code cache}, to which their keys and values are added.
     */
    float[] step(int[] ids, int batch, int seq, int firstPosition, KvCache cache);

    /**
     * Turns gradient checkpointing on or off for later training passes: keep only each block's
     * input and recompute its activations in backward (less memory, one more forward pass).
     */
    void gradientCheckpointing(boolean enabled);
}
