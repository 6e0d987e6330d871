package dev.distillery.nn;

import java.util.SplittableRandom;

/**
 * Inverted dropout as {@code torch.nn.Dropout}: in training each element is zeroed with
 * probability p and survivors are scaled by 1/(1−p), so evaluation is the identity.
 *
 * <p>A mask is drawn from the caller's generator on the calling thread, so a seed reproduces a
 * training run whatever the thread count. A null mask means "identity" (evaluation or p = 0).
 */
public final class Dropout {
    private Dropout() {
    }

    /** Per-element scales, each 0 or 1/(1−p); null when {@code rng} is null or p is 0. */
    public static float[] mask(int n, float p, SplittableRandom rng) {
        if (rng == null || p == 0f) {
            return null;
        }
        if (!(p > 0f && p < 1f)) {
            throw new IllegalArgumentException("dropout probability " + p + " is outside [0, 1)");
        }
        float keepScale = 1f / (1f - p);
        float[] mask = new float[n];
        for (int i = 0; i < n; i++) {
            mask[i] = rng.nextFloat() < p ? 0f : keepScale;
        }
        return mask;
    }

    /** x ⊙ mask in place; returns x. The backward pass is the same product on the gradient. */
    public static float[] apply(float[] x, float[] mask) {
        if (mask != null) {
            for (int i = 0; i < x.length; i++) {
                x[i] *= mask[i];
            }
        }
        return x;
    }

    /** x ⊙ mask into a new array, leaving x intact for a backward pass that needs it. */
    public static float[] applyCopy(float[] x, float[] mask) {
        return mask == null ? x : apply(x.clone(), mask);
    }
}
