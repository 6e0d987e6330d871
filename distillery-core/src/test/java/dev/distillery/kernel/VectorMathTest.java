package dev.distillery.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class VectorMathTest {
    private static final int L = FloatVector.SPECIES_PREFERRED.length();

    private static float[] exp(float[] x) {
        float[] y = new float[x.length];
        System.arraycopy(x, 0, y, 0, x.length);
        for (int i = 0; i < x.length; i += L) {
            VectorMath.expInPlace(y, i);
        }
        return y;
    }

    @Test
    void expIsWithinTwoUlpOfMathExpOverTheFloatRange() {
        SplittableRandom random = new SplittableRandom(7);
        float[] x = new float[L * 4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-87, 88.7);
        }
        float[] y = exp(x);
        for (int i = 0; i < x.length; i++) {
            float expected = (float) Math.exp(x[i]);
            // Two ulp: the polynomial and the two-part range reduction each add under one.
            assertTrue(Math.abs(expected - y[i]) <= 2 * Math.ulp(expected),
                    "exp(" + x[i] + ") = " + y[i] + ", Math.exp gives " + expected);
        }
    }

    @Test
    void expUnderflowsAndOverflowsLikeMathExp() {
        float[] special = {-Float.MAX_VALUE, -100f, Float.NEGATIVE_INFINITY, 0f, 100f, Float.POSITIVE_INFINITY, 1f, -1f};
        // A masked attention score (-3.4e38) must give exactly 0; e^-100 is subnormal.
        float[] expected = {0f, (float) Math.exp(-100), 0f, 1f, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY,
                (float) Math.exp(1), (float) Math.exp(-1)};
        float[] x = new float[(special.length + L - 1) / L * L];
        System.arraycopy(special, 0, x, 0, special.length);
        float[] y = exp(x);
        for (int i = 0; i < special.length; i++) {
            assertEquals(expected[i], y[i], 2 * Math.ulp(expected[i]), "exp(" + special[i] + ")");
        }
    }

    @Test
    void sumAddsLanesInOrder() {
        float[] x = new float[L];
        x[0] = 1e8f;
        x[1] = 1f;
        x[L - 1] = -1e8f;
        float expected = 0f;
        for (float v : x) {
            expected += v;
        }
        assertEquals(expected, VectorMath.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, 0)), 0f);
    }
}
