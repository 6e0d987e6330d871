package dev.distillery.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TemperatureScalingTest {

    /**
     * Three-class logits whose labels are drawn from softmax(z), then multiplied by {@code sharpen}: a model
     * over-confident by exactly that factor, whose best temperature is close to {@code sharpen}.
     */
    private static float[] overconfident(int rows, double sharpen, int[] labelsOut, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] logits = new float[rows * 3];
        for (int i = 0; i < rows; i++) {
            double[] z = {rng.nextGaussian() * 1.5, rng.nextGaussian() * 1.5, rng.nextGaussian() * 1.5};
            double max = Math.max(z[0], Math.max(z[1], z[2]));
            double sum = 0;
            for (double v : z) {
                sum += Math.exp(v - max);
            }
            double u = rng.nextDouble() * sum;
            int label = 2;
            for (int c = 0; c < 3; c++) {
                u -= Math.exp(z[c] - max);
                if (u <= 0) {
                    label = c;
                    break;
                }
            }
            labelsOut[i] = label;
            for (int c = 0; c < 3; c++) {
                logits[i * 3 + c] = (float) (z[c] * sharpen);
            }
        }
        return logits;
    }

    @Test
    void fitFindsTheMinimumOfTheNll() {
        int[] labels = new int[4000];
        float[] logits = overconfident(labels.length, 2.5, labels, 7);
        double t = TemperatureScaling.fit(logits, labels, 3);
        double best = TemperatureScaling.nll(logits, labels, 3, t);
        // a dense grid over the whole search range never beats the fitted value by more than rounding of the sum
        for (double lt = Math.log(TemperatureScaling.MIN_TEMPERATURE); lt <= Math.log(TemperatureScaling.MAX_TEMPERATURE); lt += 0.01) {
            assertTrue(best <= TemperatureScaling.nll(logits, labels, 3, Math.exp(lt)) + 1e-12, "grid point T=" + Math.exp(lt));
        }
        // 4000 rows pin the factor only to a few percent: the sampled labels are noisy
        assertEquals(2.5, t, 0.25, "fitted temperature");
    }

    @Test
    void scalingLowersEceOfAnOverconfidentModelAndKeepsTheArgmax() {
        int[] labels = new int[4000];
        float[] logits = overconfident(labels.length, 3, labels, 11);
        double t = TemperatureScaling.fit(logits, labels, 3);
        float[] raw = TemperatureScaling.probabilities(logits, 3, 1);
        float[] scaled = TemperatureScaling.probabilities(logits, 3, t);
        double before = Calibration.ece(raw, labels, 3);
        double after = Calibration.ece(scaled, labels, 3);
        assertTrue(before > 0.1, "the synthetic model is over-confident: ECE " + before);
        assertTrue(after < 0.03, "ECE after scaling " + after + " (before " + before + ")");
        // T > 0 divides every logit alike, so the predicted class cannot change
        assertArrayEquals(dev.distillery.train.BatchInference.argmax(raw, 3), dev.distillery.train.BatchInference.argmax(scaled, 3));
    }

    @Test
    void unitTemperatureIsThePlainSoftmax() {
        float[] logits = {1f, -2f, 0.5f, 30f, 29f, -40f};
        float[] p = TemperatureScaling.probabilities(logits, 3, 1);
        for (int r = 0; r < 2; r++) {
            double max = Math.max(logits[r * 3], Math.max(logits[r * 3 + 1], logits[r * 3 + 2]));
            double sum = 0;
            for (int c = 0; c < 3; c++) {
                sum += Math.exp(logits[r * 3 + c] - max);
            }
            for (int c = 0; c < 3; c++) {
                // float rounding of a value in (0, 1]: one float ulp at 1 is 6e-8
                assertEquals(Math.exp(logits[r * 3 + c] - max) / sum, p[r * 3 + c], 1e-7, "row " + r + " class " + c);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> TemperatureScaling.probabilities(logits, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> TemperatureScaling.nll(logits, new int[] {0, 1}, 3, Double.NaN));
    }
}
