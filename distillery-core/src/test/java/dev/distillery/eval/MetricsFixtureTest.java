package dev.distillery.eval;

import static dev.distillery.testing.JsonArrays.floats;
import static dev.distillery.testing.JsonArrays.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.testing.Numerics;
import java.io.IOException;
import java.io.InputStream;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Compares with scripts/fixtures/metrics_fixture.py, which computes the same metrics with independent
 * numpy formulas. Both sides work in double on the same inputs and differ only in summation order
 * and formula shape, so a relative tolerance of 1e-10 is ample and still catches any real error.
 */
class MetricsFixtureTest {
    private static final String GENERATOR = "scripts/fixtures/metrics_fixture.py v1";
    private static final double RTOL = 1e-10;
    private static final double ATOL = 1e-12;
    private static JsonNode cases;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = MetricsFixtureTest.class.getResourceAsStream("/fixtures/metrics-v1.json")) {
            JsonNode root = new ObjectMapper().readTree(in);
            assertEquals(GENERATOR, root.get("generator").asText(),
                    "fixture from another script version; regenerate: /usr/bin/python3 scripts/fixtures/metrics_fixture.py"
                            + " > distillery-core/src/test/resources/fixtures/metrics-v1.json");
            cases = root.get("cases");
        }
    }

    private static long[] longs(JsonNode array) {
        return IntStream.range(0, array.size()).mapToLong(i -> array.get(i).asLong()).toArray();
    }

    private static double[] doubles(JsonNode array) {
        return IntStream.range(0, array.size()).mapToDouble(i -> array.get(i).asDouble()).toArray();
    }

    private static void close(double expected, double actual, String what) {
        Numerics.assertClose(new double[] {expected}, new double[] {actual}, RTOL, ATOL, what);
    }

    @Test
    void binary() {
        JsonNode c = cases.get("binary");
        int[] actual = ints(c.get("actual"));
        BinaryMetrics b = Metrics.binary(actual, ints(c.get("predicted")), c.get("positiveClass").asInt(), 2);
        close(c.get("accuracy").asDouble(), b.accuracy(), "accuracy");
        close(c.get("precision").asDouble(), b.precision(), "precision");
        close(c.get("recall").asDouble(), b.recall(), "recall");
        close(c.get("f1").asDouble(), b.f1(), "f1");
        assertEquals(c.get("support").asLong(), b.support());
        assertArrayEquals(longs(c.get("confusion")), b.confusion().counts());
        double[] scores = doubles(c.get("scores"));
        close(c.get("rocAuc").asDouble(), Metrics.rocAuc(actual, scores, 1), "roc-auc (tied scores)");
        double[] flipped = new double[scores.length];
        for (int i = 0; i < scores.length; i++) {
            flipped[i] = 1 - scores[i];
        }
        close(c.get("rocAucClass0").asDouble(), Metrics.rocAuc(actual, flipped, 0), "roc-auc of class 0");
    }

    @Test
    void multiClass() {
        JsonNode c = cases.get("multiclass");
        int k = c.get("numClasses").asInt();
        int[] actual = ints(c.get("actual"));
        checkReport(c.get("report"), Metrics.classification(actual, ints(c.get("predicted")), k));
        float[] probs = floats(c.get("probs"));
        RocAuc auc = Metrics.rocAucOneVsRest(actual, probs, k);
        Numerics.assertClose(doubles(c.get("rocAucPerClass")), auc.perClass(), RTOL, ATOL, "one-vs-rest roc-auc");
        close(c.get("rocAucMacro").asDouble(), auc.macro(), "macro roc-auc");
        CalibrationReport cal = Calibration.of(probs, actual, k);
        JsonNode ref = c.get("calibration");
        close(ref.get("ece").asDouble(), cal.ece(), "ece");
        close(ref.get("brier").asDouble(), cal.brier(), "brier");
        assertArrayEquals(longs(ref.get("binCounts")), cal.bins().stream().mapToLong(CalibrationReport.Bin::count).toArray());
    }

    @Test
    void classNeverPredictedAndClassAbsent() {
        JsonNode c = cases.get("neverPredicted");
        checkReport(c.get("report"),
                Metrics.classification(ints(c.get("actual")), ints(c.get("predicted")), c.get("numClasses").asInt()));
    }

    private static void checkReport(JsonNode ref, ClassificationReport r) {
        close(ref.get("accuracy").asDouble(), r.accuracy(), "accuracy");
        double[] p = r.perClass().stream().mapToDouble(ClassMetrics::precision).toArray();
        double[] rc = r.perClass().stream().mapToDouble(ClassMetrics::recall).toArray();
        double[] f = r.perClass().stream().mapToDouble(ClassMetrics::f1).toArray();
        Numerics.assertClose(doubles(ref.get("precision")), p, RTOL, ATOL, "precision per class");
        Numerics.assertClose(doubles(ref.get("recall")), rc, RTOL, ATOL, "recall per class");
        Numerics.assertClose(doubles(ref.get("f1")), f, RTOL, ATOL, "f1 per class");
        assertArrayEquals(longs(ref.get("support")), r.perClass().stream().mapToLong(ClassMetrics::support).toArray());
        close(ref.get("macroPrecision").asDouble(), r.macroPrecision(), "macro precision");
        close(ref.get("macroRecall").asDouble(), r.macroRecall(), "macro recall");
        close(ref.get("macroF1").asDouble(), r.macroF1(), "macro f1");
        close(ref.get("weightedF1").asDouble(), r.weightedF1(), "weighted f1");
        assertArrayEquals(longs(ref.get("confusion")), r.confusion().counts());
    }
}
