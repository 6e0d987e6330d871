package dev.distillery.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.classify.BatchInference;
import dev.distillery.classify.Classifier;
import dev.distillery.data.Dataset;
import dev.distillery.eval.ConfusionMatrix;
import dev.distillery.pipeline.LabelledFile;
import dev.distillery.robust.RobustnessResult;
import dev.distillery.robust.Scorer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Verification of two tiny trained models, checked against their own probabilities and confusion matrices. */
class VerificationTest {

    @Test
    void referenceComesFirstAndEveryModelIsCalibratedOnValidation() throws Exception {
        VerificationResult r = TinyReport.result();
        assertEquals(List.of("teacher", "student"), r.models().stream().map(ModelReport::name).toList());
        assertTrue(r.models().getFirst().reference());
        assertEquals(List.of("benign", "phishing"), r.labels());
        assertEquals(0, r.benignClass());
        for (ModelReport m : r.models()) {
            assertNotNull(m.calibration(), m.name() + " was saved with a temperature");
            assertTrue(m.calibration().fittedOn().startsWith("validation: "), m.calibration().fittedOn());
            // fitting minimises NLL on the validation rows, so it cannot end above T = 1's NLL there
            assertTrue(m.calibration().nllAfter() <= m.calibration().nllBefore() + 1e-12, m.calibration().toString());
            assertEquals(-1, m.efficiency().peakHeapBytes(), "timing was off");
            assertTrue(m.efficiency().sizeBytes() > 0 && m.efficiency().parameters() > 0);
        }
    }

    @Test
    void timingRunsEveryModelInTurnAfterEachWasScoredAndWeighedAlone() throws Exception {
        Path root = TinyReport.root();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        VerificationResult r = Verification.run(VerificationOptions.of(List.of(root.resolve("student")),
                        root.resolve("data/test.csv")).withTeacher(root.resolve("teacher"))
                .withEfficiency(new EfficiencyOptions(true, 2, 5, 2, 4)),
                new PrintStream(log, true, StandardCharsets.UTF_8));
        for (ModelReport m : r.models()) {
            Efficiency e = m.efficiency();
            assertTrue(e.measured(), m.name());
            assertTrue(e.latencyP50Millis() > 0 && e.latencyP50Millis() <= e.latencyP95Millis()
                    && e.latencyP95Millis() <= e.latencyP99Millis(), e.toString());
            assertTrue(e.throughputPerSec() > 0 && e.batchSize() == 4, e.toString());
            assertTrue(e.peakHeapBytes() > 0 && e.retainedHeapBytes() > 0, e.toString());
            assertTrue(e.method().contains("timed in turn"), e.method());
        }
        String text = log.toString(StandardCharsets.UTF_8);
        int lastScored = text.lastIndexOf("verify: student");
        assertTrue(lastScored >= 0 && text.indexOf("timing: teacher") > lastScored
                && text.indexOf("timing: student") > lastScored, text);
    }

    @Test
    void comparisonCountsFollowFromBothModelsPredictions() throws Exception {
        VerificationResult r = TinyReport.result();
        Comparison c = r.comparisons().getFirst();
        ModelReport ref = r.models().get(0);
        ModelReport student = r.models().get(1);
        int[] refPred = BatchInference.argmax(ref.probabilities(), 2);
        int[] stuPred = BatchInference.argmax(student.probabilities(), 2);
        long agree = 0;
        for (int i = 0; i < refPred.length; i++) {
            agree += refPred[i] == stuPred[i] ? 1 : 0;
        }
        // a ratio of the same two integers, computed the same way
        assertEquals((double) agree / refPred.length, c.agreement(), 0);

        ConfusionMatrix rc = ref.test().report().confusion();
        ConfusionMatrix sc = student.test().report().confusion();
        assertEquals(rc.count(0, 1), c.referenceFalsePositives());
        assertEquals(sc.count(0, 1), c.modelFalsePositives());
        assertEquals(rc.count(1, 0), c.referenceFalseNegatives());
        assertEquals(sc.count(1, 0), c.modelFalseNegatives());
        // each threat missed by one model only moves the false-negative difference by one
        assertEquals(c.referenceOnlyCaught() - c.modelOnlyCaught(), c.modelFalseNegatives() - c.referenceFalseNegatives());

        for (Miss m : c.referenceOnly()) {
            assertEquals("phishing", m.actual());
            assertEquals(1, refPred[m.row()]);
            assertEquals(0, stuPred[m.row()]);
            assertEquals(ref.probabilities()[m.row() * 2 + 1], m.referenceProbability(), 0);
            assertEquals(student.probabilities()[m.row() * 2 + 1], m.modelProbability(), 0);
        }
        for (Miss m : c.modelOnly()) {
            assertEquals(0, refPred[m.row()]);
            assertEquals(1, stuPred[m.row()]);
        }
    }

    @Test
    void summaryJsonFollowsTheDocumentedSchema() throws Exception {
        VerificationResult r = TinyReport.result();
        JsonNode root = new ObjectMapper().readTree(TinyReport.reportDir().resolve(ReportWriter.JSON).toFile());
        JsonNode models = root.get("models");
        assertEquals(2, models.size());
        for (int i = 0; i < 2; i++) {
            JsonNode m = models.get(i);
            ModelReport expected = r.models().get(i);
            assertEquals(expected.name(), m.get("name").asText());
            assertEquals(expected.efficiency().parameters(), m.get("params").asLong());
            assertEquals(expected.efficiency().sizeBytes(), m.get("sizeBytes").asLong());
            for (String k : List.of("accuracy", "precision", "recall", "f1", "rocAuc", "ece", "brier")) {
                assertTrue(m.get("metrics").has(k), k);
            }
            assertEquals(expected.test().binary().f1(), m.get("metrics").get("f1").asDouble(), 0);
            assertEquals(expected.test().calibration().ece(), m.get("metrics").get("ece").asDouble(), 0);
            assertTrue(m.get("latencyMs").isNull(), "not measured is null, never a made-up number");
            JsonNode rb = m.get("robustness");
            assertEquals(expected.robustness().robustAccuracy(), rb.get("robustAccuracy").asDouble(), 0);
            assertEquals(expected.robustness().meanQueries(), rb.get("meanQueries").asDouble(), 0);
            assertTrue(rb.has("attackSuccessRate"));
        }
        assertEquals(r.comparisons().getFirst().referenceOnlyCaught(),
                root.get("comparisons").get(0).get("referenceOnlyCaught").asLong());
        String md = Files.readString(TinyReport.reportDir().resolve(ReportWriter.MARKDOWN));
        assertTrue(md.contains("| teacher (reference) |") && md.contains("| student |"), md);
    }

    @Test
    void htmlIsSelfContained() throws Exception {
        String html = Files.readString(TinyReport.reportDir().resolve(ReportWriter.HTML));
        assertFalse(html.contains("<script"), "no scripts");
        assertFalse(html.matches("(?s).*(src|href)=\"(https?:)?//.*"), "no external resources");
        // 2 Pareto charts, a reliability diagram and a confusion matrix per model, the robustness bars
        assertEquals(2 + 2 * 2 + 1, html.split("<figure class=\"chart\"><svg", -1).length - 1);
        assertTrue(html.contains("Greedy black-box attack"), "the robustness table says how it was measured");
    }

    @Test
    void robustnessIsTheAttackOnTheFirstPhishingRows() throws Exception {
        VerificationResult r = TinyReport.result();
        for (ModelReport m : r.models()) {
            Classifier c = Classifier.load(m.dir());
            Dataset test = LabelledFile.read(TinyReport.root().resolve("data/test.csv"), c, null, "label");
            List<String> urls = new ArrayList<>();
            for (int i = 0; i < test.size() && urls.size() < TinyReport.ATTACK_ROWS; i++) {
                if (test.labelMap().name(test.label(i)).equals("phishing")) {
                    urls.add(test.text(i));
                }
            }
            RobustnessResult direct = dev.distillery.robust.Robustness.evaluate(Scorer.of(c), urls, TinyReport.ATTACK);
            Robustness reported = m.robustness();
            // the attack is seeded per URL and the model deterministic, so the report repeats it exactly
            assertEquals(direct.urls(), reported.attacked());
            assertEquals(direct.robustAccuracy(), reported.robustAccuracy(), 0);
            assertEquals(direct.attackSuccessRate(), reported.attackSuccessRate(), 0);
            assertEquals(direct.meanQueries(), reported.meanQueries(), 0);
            assertTrue(reported.robustAccuracy() <= reported.cleanAccuracy(), "an attack cannot add right answers");
            for (Robustness.Example x : reported.examples()) {
                assertTrue(x.before() >= 0.5 && x.after() < 0.5, "a success crosses the threshold: " + x);
            }
        }
    }

    @Test
    void benignClassIsFoundByNameOrAsTheNonPositiveClass() {
        assertEquals(1, Verification.benignClass(List.of("malware", "benign", "phishing")));
        assertEquals(0, Verification.benignClass(List.of("0", "1")));
        assertEquals(0, Verification.benignClass(List.of("ham", "phishing")));
        assertEquals(2, Verification.benignClass(List.of("dos", "probe", "normal", "r2l", "u2r")));
    }
}
