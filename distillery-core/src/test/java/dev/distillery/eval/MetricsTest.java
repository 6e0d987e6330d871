package dev.distillery.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Small cases worked out by hand; the values in comments are the fractions being checked. */
class MetricsTest {
    // exact fractions computed in double: only the last division rounds
    private static final double EXACT = 1e-12;

    @Test
    void multiClassByHand() {
        ClassificationReport r = Metrics.classification(new int[] {0, 1, 1, 2}, new int[] {0, 1, 2, 2}, 3);
        assertEquals(0.75, r.accuracy(), EXACT);
        assertEquals(new ClassMetrics(0, 1, 1, 1, 1), r.perClass().get(0));
        assertEquals(1.0, r.perClass().get(1).precision(), EXACT);
        assertEquals(0.5, r.perClass().get(1).recall(), EXACT);
        assertEquals(2.0 / 3, r.perClass().get(1).f1(), EXACT);
        assertEquals(0.5, r.perClass().get(2).precision(), EXACT);
        assertEquals(2.0 / 3, r.perClass().get(2).f1(), EXACT);
        assertEquals(2, r.perClass().get(1).support());
        assertEquals(5.0 / 6, r.macroPrecision(), EXACT);
        assertEquals(5.0 / 6, r.macroRecall(), EXACT);
        assertEquals(7.0 / 9, r.macroF1(), EXACT);
        assertEquals(0.75, r.weightedF1(), EXACT); // (1·1 + 2/3·2 + 2/3·1) / 4
        assertArrayEquals(new long[] {1, 0, 0, 0, 1, 1, 0, 0, 1}, r.confusion().counts());
    }

    @Test
    void classNeverPredictedHasPrecisionZero() {
        ClassificationReport r = Metrics.classification(new int[] {0, 0, 1, 1}, new int[] {0, 0, 0, 0}, 2);
        assertEquals(new ClassMetrics(1, 0, 0, 0, 2), r.perClass().get(1));
        assertEquals(0.5, r.perClass().get(0).precision(), EXACT);
        assertEquals(2.0 / 3, r.perClass().get(0).f1(), EXACT);
        assertEquals(1.0 / 3, r.macroF1(), EXACT);
    }

    @Test
    void classAbsentFromBothSidesIsLeftOutOfMacro() {
        // class 2 neither occurs nor is predicted: macro over classes 0 and 1 only
        ClassificationReport r = Metrics.classification(new int[] {0, 1}, new int[] {0, 0}, 3);
        assertEquals((2.0 / 3 + 0) / 2, r.macroF1(), EXACT);
        assertEquals(new ClassMetrics(2, 0, 0, 0, 0), r.perClass().get(2));
    }

    @Test
    void binaryFromThePositiveClass() {
        BinaryMetrics b = Metrics.binary(new int[] {1, 0, 1, 1, 0}, new int[] {1, 1, 0, 1, 0}, 1, 2);
        assertEquals(0.6, b.accuracy(), EXACT);
        assertEquals(2.0 / 3, b.precision(), EXACT); // tp 2, fp 1
        assertEquals(2.0 / 3, b.recall(), EXACT);    // tp 2, fn 1
        assertEquals(2.0 / 3, b.f1(), EXACT);
        assertEquals(3, b.support());
        BinaryMetrics neg = Metrics.binary(new int[] {1, 0, 1, 1, 0}, new int[] {1, 1, 0, 1, 0}, 0, 2);
        assertEquals(0.5, neg.precision(), EXACT);   // tp 1, fp 1
        assertEquals(0.5, neg.recall(), EXACT);      // tp 1, fn 1
    }

    @Test
    void rocAucByHandWithTies() {
        assertEquals(0.75, Metrics.rocAuc(new int[] {0, 0, 1, 1}, new double[] {0.1, 0.4, 0.35, 0.8}, 1), EXACT);
        // the tie between a positive and a negative at 0.5 counts one half: (0.5 + 1 + 2) / 4
        assertEquals(0.875, Metrics.rocAuc(new int[] {0, 1, 0, 1}, new double[] {0.5, 0.5, 0.2, 0.9}, 1), EXACT);
        assertEquals(0.5, Metrics.rocAuc(new int[] {0, 1, 0, 1}, new double[] {3, 3, 3, 3}, 1), EXACT);
        assertEquals(0.0, Metrics.rocAuc(new int[] {1, 1, 0}, new float[] {0.1f, 0.2f, 0.9f}, 1), EXACT);
        assertEquals(1.0, Metrics.rocAuc(new int[] {1, 1, 0}, new float[] {0.1f, 0.2f, 0.9f}, 0), EXACT);
    }

    @Test
    void rocAucUndefinedIsNaN() {
        assertTrue(Double.isNaN(Metrics.rocAuc(new int[] {1, 1, 1}, new double[] {0.1, 0.5, 0.9}, 1)));
        assertTrue(Double.isNaN(Metrics.rocAuc(new int[] {0, 0}, new double[] {0.1, 0.5}, 1)));
        float[] probs = {0.7f, 0.2f, 0.1f, 0.1f, 0.8f, 0.1f};
        RocAuc r = Metrics.rocAucOneVsRest(new int[] {0, 1}, probs, 3); // class 2 never occurs
        assertEquals(1.0, r.perClass()[0], EXACT);
        assertTrue(Double.isNaN(r.perClass()[2]));
        assertTrue(Double.isNaN(r.macro()));
        assertThrows(IllegalArgumentException.class, () -> Metrics.rocAuc(new int[] {0, 1}, new double[] {0, Double.NaN}, 1));
    }

    @Test
    void eceAndBrierByHand() {
        float[] probs = {
            0.9f, 0.1f,     // right, confidence 0.9  → bin 13 (0.867, 0.933]
            0.25f, 0.75f,   // right, confidence 0.75 → bin 11 (0.733, 0.8]
            0.75f, 0.25f,   // wrong, confidence 0.75 → bin 11
            0.375f, 0.625f, // wrong, confidence 0.625 → bin 9 (0.6, 0.667]
        };
        int[] actual = {0, 1, 1, 0};
        CalibrationReport c = Calibration.of(probs, actual, 2);
        // ¼·|1 − 0.9| + ½·|½ − 0.75| + ¼·|0 − 0.625|; 0.9f differs from 0.9 by 2.4e-8
        assertEquals(0.025 + 0.125 + 0.15625, c.ece(), 1e-7);
        // (0.02 + 0.125 + 1.125 + 0.78125) / 4
        assertEquals(0.5128125, c.brier(), 1e-7);
        assertEquals(15, c.bins().size());
        assertEquals(2, c.bins().get(11).count());
        assertEquals(0.5, c.bins().get(11).accuracy(), EXACT);
        assertEquals(1, c.bins().get(13).count());
        assertEquals(1, c.bins().get(9).count());
        assertEquals(4, c.bins().stream().mapToLong(CalibrationReport.Bin::count).sum());
    }

    @Test
    void perfectAndTiedPredictions() {
        CalibrationReport perfect = Calibration.of(new float[] {1, 0, 0, 1}, new int[] {0, 1}, 2);
        assertEquals(0, perfect.ece(), EXACT);
        assertEquals(0, perfect.brier(), EXACT);
        // a 50/50 tie picks class 0 (numpy argmax); confidence 0.5 is right for class 0, wrong for class 1
        CalibrationReport tie = Calibration.of(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, new int[] {0, 1}, 2);
        assertEquals(0, tie.ece(), EXACT);
        assertEquals(0.5, tie.brier(), EXACT);
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Metrics.classification(new int[] {0, 3}, new int[] {0, 1}, 3));
        assertThrows(IllegalArgumentException.class, () -> Metrics.classification(new int[] {0}, new int[] {0, 1}, 3));
        assertThrows(IllegalArgumentException.class, () -> Calibration.of(new float[] {0.5f, 0.5f}, new int[] {0, 1}, 2));
        assertThrows(IllegalArgumentException.class, () -> Calibration.of(new float[] {Float.NaN, 1}, new int[] {0}, 2));
    }
}
