package dev.distillery.kernel;

/**
 * What the GEMM driver does to each finished tile of C before it leaves the cache: add a bias per
 * column, then apply an activation. {@code C = act(C₀ + A·B + bias)}, where C₀ is the old C when
 * the product accumulates and zero otherwise; the bias and the activation are optional. Doing it
 * here saves a pass over C per operation (a 64-token MiniLM feed-forward activation is 384 KiB).
 *
 * <p>Example: {@code Epilogue.of(b1, Activation.GELU)} gives {@code gelu(x · W₁ᵀ + b₁)}.
 *
 * @param bias       one value per column of C, read from {@code biasOffset}; null for none
 * @param biasOffset where column 0's bias sits in {@code bias}
 * @param activation applied last, element by element
 */
public record Epilogue(float[] bias, int biasOffset, Activation activation) {
    /** Element-wise functions the epilogue can apply. */
    public enum Activation {
        NONE,
        /** The exact GELU of BERT, x·Φ(x), as {@link Kernels#gelu} computes it. */
        GELU
    }

    /** No bias, no activation: the plain product. */
    public static final Epilogue NONE = new Epilogue(null, 0, Activation.NONE);

    public Epilogue {
        if (activation == null) {
            throw new IllegalArgumentException("an epilogue needs an activation (NONE for none)");
        }
    }

    /** A bias from {@code bias[0]}, then {@code activation}. */
    public static Epilogue of(float[] bias, Activation activation) {
        return new Epilogue(bias, 0, activation);
    }

    /** This epilogue for the columns of C from {@code column} on (one part of a stacked weight). */
    public Epilogue from(int column) {
        return bias == null ? this : new Epilogue(bias, biasOffset + column, activation);
    }
}
