package dev.distillery.nn;

import java.util.SplittableRandom;

/**
 * The seed of the dropout masks a training pass draws inside its projections (LoRA's dropout on
 * the adapter input). A block derives one seed per call site, a projection one per part, so the
 * backward pass, and a forward pass recomputed under gradient checkpointing, draw exactly the
 * masks of the original pass without keeping them. Null wherever a pass runs in evaluation mode.
 */
public record DropoutSeed(long value) {
    /** A seed from the caller's generator, or null in evaluation mode ({@code rng} null). */
    public static DropoutSeed draw(SplittableRandom rng) {
        return rng == null ? null : new DropoutSeed(rng.nextLong());
    }

    /** The independent seed of call site {@code site} (SplitMix64's finaliser over the pair). */
    public DropoutSeed at(int site) {
        long z = value + 0x9E3779B97F4A7C15L * (site + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new DropoutSeed(z ^ (z >>> 31));
    }
}
