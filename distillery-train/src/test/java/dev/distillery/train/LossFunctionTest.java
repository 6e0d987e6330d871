package dev.distillery.train;

import org.junit.jupiter.api.Test;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

class LossFunctionTest {
    private static final double LN2 = Math.log(2);

    @Test
    void crossEntropyOfEqualLogitsIsLn2() {
        Loss l = LossFunction.crossEntropy(null).compute(new float[] {0, 0}, 2, new int[] {17}, new int[] {1});
        // float rounding of ln 2 and of softmax 1/2
        assertEquals(LN2, l.value(), 1e-7);
        assertClose(new float[] {0.5f, -0.5f}, l.dLogits(), 0, 1e-7, "dLogits");
    }

    @Test
    void classWeightsWeighTheRowsByTheirLabel() {
        // row 0 (label 1) weighs 3, row 1 (label 0) weighs 1: loss (3 ln 2 + ln 2) / 4, gradients 3/4 and 1/4 of each row's
        float[] weights = {1f, 3f};
        LossFunction weighted = LossFunction.crossEntropy(weights);
        weights[1] = 100f; // the loss function keeps its own copy
        Loss l = weighted.compute(new float[] {0, 0, 0, 0}, 2, new int[] {4, 9}, new int[] {1, 0});
        assertEquals(LN2, l.value(), 1e-7);
        assertClose(new float[] {0.375f, -0.375f, -0.125f, 0.125f}, l.dLogits(), 0, 1e-7, "dLogits");
    }
}
