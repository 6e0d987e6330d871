package dev.distillery.kernel;

/**
 * The error function, which {@link Math} lacks and exact GELU needs.
 *
 * <p>Uses the Chebyshev fit of erfc from Press et al., Numerical Recipes (2nd ed., §6.2), whose
 * fractional error is below 1.2e-7 everywhere: finer than float resolution, so GELU in float
 * matches PyTorch's {@code erf} to the last bit or two.
 */
public final class Erf {
    static final double INV_SQRT2 = 0.7071067811865476;
    static final double INV_SQRT_2PI = 0.3989422804014327;

    private Erf() {
    }

    public static double erf(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double erfc = t * StrictMath.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1.0 - erfc : erfc - 1.0;
    }
}
