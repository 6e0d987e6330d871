package dev.distillery.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        assertArrayEquals(dev.distillery.classify.BatchInference.argmax(raw, 3), dev.distillery.classify.BatchInference.argmax(scaled, 3));
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

    @Test
    void guardAcceptsTheFitOfAClearlyOverconfidentModel() {
        int[] labels = new int[3000];
        float[] logits = overconfident(labels.length, 2.5, labels, 13);
        for (CalibrationObjective o : CalibrationObjective.values()) {
            TemperatureFit f = TemperatureScaling.choose(logits, labels, 3, o, 42);
            assertTrue(f.accepted(), o + ": " + f.guard());
            assertEquals(f.fitted(), f.temperature(), 0, "an accepted fit is applied as found");
            assertTrue(f.eceAfter() < f.eceBefore() && f.ece10Fitted() < f.ece10Before() && f.dropLowerBound() > 0, f.guard());
            // sharpening by 2.5 is what a fit by either objective should undo; ECE pins T more loosely than NLL
            assertEquals(2.5, f.temperature(), o == CalibrationObjective.NLL ? 0.25 : 0.6, o + " temperature");
        }
    }

    @Test
    void guardKeepsUnitTemperatureWhenTheModelIsAlreadyCalibrated() {
        // logits whose labels are drawn from their own softmax: T = 1 is right, any fitted T moves ECE only by noise
        int[] labels = new int[600];
        float[] logits = overconfident(labels.length, 1, labels, 17);
        for (CalibrationObjective o : CalibrationObjective.values()) {
            TemperatureFit f = TemperatureScaling.choose(logits, labels, 3, o, 42);
            assertFalse(f.accepted(), o + ": " + f.guard());
            assertEquals(1, f.temperature(), 0, o + ": a rejected fit applies T = 1");
            assertEquals(f.eceBefore(), f.eceAfter(), 0, o + ": with T = 1 the ECE is the unscaled one");
            assertEquals(f.nllBefore(), f.nllAfter(), 0, o + ": and so is the NLL");
        }
    }

    @Test
    void eceSearchFindsTheGridMinimumNearestOne() {
        int[] labels = new int[2000];
        float[] logits = overconfident(labels.length, 2, labels, 19);
        double t = TemperatureScaling.fitEce(logits, labels, 3, 15);
        double best = Calibration.ece(TemperatureScaling.probabilities(logits, 3, t), labels, 3);
        // no T on a coarser grid over the whole range does better than the fine search found
        for (double lt = Math.log(TemperatureScaling.MIN_TEMPERATURE); lt <= Math.log(TemperatureScaling.MAX_TEMPERATURE); lt += 0.05) {
            double e = Calibration.ece(TemperatureScaling.probabilities(logits, 3, Math.exp(lt)), labels, 3);
            assertTrue(best <= e, "grid point T=" + Math.exp(lt) + " ECE " + e + " beats the search's " + best);
        }
        // perfectly separated rows put every row in the top bin at any T near 1: ECE does not move, so T = 1 stays
        assertEquals(1, TemperatureScaling.fitEce(new float[] {20, -20, -20, 20}, new int[] {0, 1}, 2, 15), 0);
    }

    @Test
    void bootstrapIsSeededAndPairsTheRows() {
        int[] labels = new int[500];
        float[] logits = overconfident(labels.length, 2, labels, 23);
        float[] before = TemperatureScaling.probabilities(logits, 3, 1);
        float[] after = TemperatureScaling.probabilities(logits, 3, 2);
        double a = TemperatureScaling.bootstrapDropLowerBound(before, after, labels, 3, 5);
        assertEquals(a, TemperatureScaling.bootstrapDropLowerBound(before, after, labels, 3, 5), 0, "same seed, same bound");
        // identical probabilities on both sides: every paired resample drops by exactly 0
        assertEquals(0, TemperatureScaling.bootstrapDropLowerBound(before, before, labels, 3, 5), 0);
        assertTrue(a > 0, "halving over-confident logits lowers ECE on nearly every resample: " + a);
    }
}
