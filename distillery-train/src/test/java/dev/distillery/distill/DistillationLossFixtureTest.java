package dev.distillery.distill;

import static dev.distillery.testing.JsonArrays.floats;
import static dev.distillery.testing.JsonArrays.ints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.nn.Linear;
import dev.distillery.nn.Parameter;
import dev.distillery.testing.Numerics;
import dev.distillery.train.AuxiliaryLoss;
import dev.distillery.train.Loss;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Soft-target and hidden-state losses against PyTorch (fixture written by
 * scripts/fixtures/make_kd_fixture.py) and against central finite differences in double.
 */
class DistillationLossFixtureTest {
    private static final String REGENERATE = "regenerate with: /usr/bin/python3 scripts/fixtures/make_kd_fixture.py "
            + "distillery-train/src/test/resources/fixtures";
    private static JsonNode root;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = DistillationLossFixtureTest.class.getResourceAsStream("/fixtures/kd-v2.json")) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /fixtures/kd-v2.json; " + REGENERATE);
            }
            root = new ObjectMapper().readTree(in);
        }
        if (root.get("header").get("script_version").asInt() != 2) {
            throw new IllegalStateException("kd fixture has script version " + root.get("header").get("script_version")
                    + ", the test reads version 2; " + REGENERATE);
        }
    }

    @Test
    void softTargetLossesMatchPyTorch() {
        JsonNode cases = root.get("logit_cases");
        assertEquals(5, cases.size(), "fixture cases; " + REGENERATE);
        for (JsonNode c : cases) {
            Divergence d = c.get("kind").asText().equals("kd") ? Divergence.FORWARD_KL : Divergence.REVERSE_KL;
            Loss l = SoftTargetLoss.compute(floats(c.get("student")), floats(c.get("teacher")), ints(c.get("hard")),
                    c.get("labels").asInt(), d, c.get("temperature").asDouble(), c.get("alpha").asDouble());
            String what = d + " T=" + c.get("temperature") + " alpha=" + c.get("alpha");
            // both sides are float32 results of a few exp/log per row; we sum in double, torch in float
            assertClose(new float[] {(float) c.get("loss").asDouble()}, new float[] {l.value()}, 1e-5, 1e-6, what + " loss");
            assertClose(floats(c.get("d_student")), l.dLogits(), 1e-4, 1e-6, what + " gradient");
        }
    }

    @Test
    void softTargetGradientsMatchFiniteDifferences() {
        SplittableRandom rng = new SplittableRandom(7);
        int batch = 3;
        int labels = 4;
        for (Divergence d : Divergence.values()) {
            for (double alpha : new double[] {0, 0.5, 1}) {
                float[] s = gaussian(rng, batch * labels, 2);
                float[] t = gaussian(rng, batch * labels, 2);
                int[] y = {1, 3, 0};
                Loss l = SoftTargetLoss.compute(s, t, y, labels, d, 2.0, alpha);
                float[] numeric = new float[s.length];
                double eps = 1e-2; // float logits: a large step keeps float rounding of the loss far below the slope
                for (int i = 0; i < s.length; i++) {
                    float keep = s[i];
                    s[i] = (float) (keep + eps);
                    double up = SoftTargetLoss.compute(s, t, y, labels, d, 2.0, alpha).value();
                    s[i] = (float) (keep - eps);
                    double down = SoftTargetLoss.compute(s, t, y, labels, d, 2.0, alpha).value();
                    s[i] = keep;
                    numeric[i] = (float) ((up - down) / (2 * eps));
                }
                // central differences err by O(eps²·f''') plus float rounding of the loss (~1e-7/eps)
                assertClose(numeric, l.dLogits(), 1e-3, 2e-4, d + " alpha=" + alpha);
            }
        }
    }

    @Test
    void hiddenStateLossMatchesPyTorch() {
        for (JsonNode c : root.get("hidden_cases")) {
            int rows = c.get("rows").asInt();
            int ds = c.get("student_width").asInt();
            int dt = c.get("teacher_width").asInt();
            List<float[]> hs = new ArrayList<>();
            List<float[]> ht = new ArrayList<>();
            for (int i = 0; i < c.get("student").size(); i++) {
                hs.add(floats(c.get("student").get(i)));
                ht.add(floats(c.get("teacher").get(i)));
            }
            Linear projection = null;
            if (ds != dt) {
                projection = Linear.random("p", ds, dt, new SplittableRandom(1));
                System.arraycopy(floats(c.get("weight")), 0, projection.weight(0).data(), 0, ds * dt);
                System.arraycopy(floats(c.get("bias")), 0, projection.bias(0).data(), 0, dt);
            }
            AuxiliaryLoss.Result r = HiddenStateLoss.mse(hs, ht, ints(c.get("mask")), projection, 1f);
            String what = "hidden " + ds + "→" + dt;
            assertEquals(rows * ds, hs.getFirst().length);
            // float32 products and sums of a few dozen terms on both sides
            assertClose(new float[] {(float) c.get("loss").asDouble()}, new float[] {r.value()}, 1e-5, 1e-6, what + " loss");
            for (int i = 0; i < hs.size(); i++) {
                assertClose(floats(c.get("d_student").get(i)), r.dHiddenStates().get(i), 1e-4, 1e-6, what + " d state " + i);
            }
            if (projection != null) {
                assertClose(floats(c.get("d_weight")), projection.weight(0).grad().data(), 1e-4, 1e-6, what + " d weight");
                assertClose(floats(c.get("d_bias")), projection.bias(0).grad().data(), 1e-4, 1e-6, what + " d bias");
            }
        }
    }

    @Test
    void attentionKlMatchesPyTorch() {
        JsonNode cases = root.get("attention_cases");
        assertEquals(2, cases.size(), "fixture cases; " + REGENERATE);
        for (JsonNode c : cases) {
            AttentionLoss.KlResult r = AttentionLoss.kl(floats(c.get("teacher")), floats(c.get("student")),
                    c.get("batch").asInt(), c.get("heads").asInt(), c.get("seq").asInt(), ints(c.get("mask")), 1f);
            String what = "attention " + c.get("heads") + " heads";
            // float32 logs and a sum of a few dozen terms on the torch side, double on ours
            assertClose(new float[] {(float) c.get("loss").asDouble()}, new float[] {r.value()}, 1e-5, 1e-6, what + " loss");
            assertClose(floats(c.get("d_student")), r.dStudent(), 1e-5, 1e-6, what + " gradient");
        }
    }

    /**
     * The attention gradient reaches the student's weights through the new backward argument:
     * the KL of its last layer's attention against fixed teacher probabilities, differentiated by
     * backward and by central finite differences on a query weight and a word embedding.
     */
    @Test
    void attentionKlGradientFlowsIntoTheStudentThroughBackward() {
        dev.distillery.model.EncoderConfig cfg = TinyUrls.config("bert", 30, 8, 2, 12);
        SequenceClassifier student = SequenceClassifier.create(cfg, 21);
        SequenceClassifier teacher = SequenceClassifier.create(cfg, 22);
        // HF's σ = 0.02 leaves attention almost uniform and its gradients tiny; sharpen it so they are measurable
        for (SequenceClassifier m : List.of(student, teacher)) {
            for (Parameter p : m.parameters()) {
                if (p.name().contains("attention.self.") || p.name().contains("dense.weight")) {
                    float[] v = p.data();
                    for (int i = 0; i < v.length; i++) {
                        v[i] *= 8;
                    }
                }
            }
        }
        int[] ids = {2, 7, 9, 4, 3, 2, 5, 3, 0, 0};
        int[] mask = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
        EncoderInput in = new EncoderInput(2, 5, ids, new int[10], mask);
        float[] teacherProbs = teacher.backbone().forwardTrain(in, null).attentionProbs().getLast();
        java.util.function.DoubleSupplier loss = () -> AttentionLoss.kl(teacherProbs,
                student.backbone().forwardTrain(in, null).attentionProbs().getLast(), 2, 2, 5, mask, 1f).value();

        SequenceClassifier.Trace trace = student.forwardTrain(in, null);
        AttentionLoss.KlResult r = AttentionLoss.kl(teacherProbs, trace.backbone().attentionProbs().getLast(),
                2, 2, 5, mask, 1f);
        student.backward(trace, new float[2 * cfg.numLabels()], null, Arrays.asList(null, r.dStudent()));
        for (String name : List.of("bert.encoder.layer.1.attention.self.query.weight",
                "bert.encoder.layer.0.output.dense.weight", "bert.embeddings.word_embeddings.weight")) {
            Parameter p = student.parameters().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
            float[] w = p.data();
            int[] at = name.contains("word") ? new int[] {7 * 8, 7 * 8 + 3, 9 * 8 + 1} : new int[] {0, 5, 17, 40};
            float[] numeric = new float[at.length];
            float[] analytic = new float[at.length];
            double eps = 2e-3; // float model: small enough for the curvature, large against float rounding
            for (int i = 0; i < at.length; i++) {
                float keep = w[at[i]];
                w[at[i]] = (float) (keep + eps);
                double up = loss.getAsDouble();
                w[at[i]] = (float) (keep - eps);
                double down = loss.getAsDouble();
                w[at[i]] = keep;
                numeric[i] = (float) ((up - down) / (2 * eps));
                analytic[i] = p.grad().data()[at[i]];
            }
            assertTrue(Numerics.maxAbsDiff(p.grad().data(), new float[w.length]) > 1e-5, name + " gets a gradient");
            // O(eps²) truncation plus float rounding of the forward pass, divided by eps
            assertClose(numeric, analytic, 2e-2, 2e-4, name);
        }
    }

    @Test
    void hiddenStateGradientsMatchFiniteDifferencesAndScale() {
        SplittableRandom rng = new SplittableRandom(3);
        int rows = 4;
        int ds = 3;
        int dt = 5;
        int[] mask = {1, 0, 1, 1};
        List<float[]> hs = List.of(gaussian(rng, rows * ds, 1), gaussian(rng, rows * ds, 1));
        List<float[]> ht = List.of(gaussian(rng, rows * dt, 1), gaussian(rng, rows * dt, 1));
        Linear projection = Linear.random("p", ds, dt, new SplittableRandom(5));
        AuxiliaryLoss.Result r = HiddenStateLoss.mse(hs, ht, mask, projection, 0.5f);
        double eps = 1e-2; // see the soft-target test
        for (int pair = 0; pair < 2; pair++) {
            float[] x = hs.get(pair);
            float[] numeric = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                float keep = x[i];
                x[i] = (float) (keep + eps);
                double up = HiddenStateLoss.mse(hs, ht, mask, Linear.random("q", ds, dt, new SplittableRandom(5)), 1f).value();
                x[i] = (float) (keep - eps);
                double down = HiddenStateLoss.mse(hs, ht, mask, Linear.random("q", ds, dt, new SplittableRandom(5)), 1f).value();
                x[i] = keep;
                numeric[i] = (float) (0.5 * (up - down) / (2 * eps)); // the call above was scaled by 0.5
            }
            // the loss is quadratic in x, so central differences are exact up to float rounding (~1e-7/eps)
            assertClose(numeric, r.dHiddenStates().get(pair), 1e-3, 1e-4, "pair " + pair);
        }
        for (int r0 = 0; r0 < ds; r0++) {
            assertEquals(0f, r.dHiddenStates().get(0)[ds + r0], "a masked token gets no gradient");
        }
    }

    private static float[] gaussian(SplittableRandom rng, int n, double std) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (rng.nextGaussian() * std);
        }
        return out;
    }
}
