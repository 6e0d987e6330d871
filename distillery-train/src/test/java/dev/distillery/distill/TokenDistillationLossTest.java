package dev.distillery.distill;

import static dev.distillery.testing.JsonArrays.floats;
import static dev.distillery.testing.JsonArrays.ints;
import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.model.EncoderInput;
import dev.distillery.train.Loss;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.SplittableRandom;

/**
 * Token-level decoder distillation (forward KL, MiniLLM's reverse KL, a mix, temperature, hard
 * next-token labels) against PyTorch autograd (scripts/fixtures/make_token_distillation_fixture.py)
 * and against central finite differences.
 */
class TokenDistillationLossTest {
    private static final String REGENERATE = "regenerate with: /usr/bin/python3 "
            + "scripts/fixtures/make_token_distillation_fixture.py distillery-train/src/test/resources/fixtures";
    private static JsonNode root;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = TokenDistillationLossTest.class.getResourceAsStream("/fixtures/token-distillation-v1.json")) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /fixtures/token-distillation-v1.json; " + REGENERATE);
            }
            root = new ObjectMapper().readTree(in);
        }
        if (root.get("header").get("script_version").asInt() != 1) {
            throw new IllegalStateException("token distillation fixture has script version "
                    + root.get("header").get("script_version") + ", the test reads version 1; " + REGENERATE);
        }
    }

    private static EncoderInput input(JsonNode c) {
        int b = c.get("batch").asInt();
        int s = c.get("seq").asInt();
        return new EncoderInput(b, s, ints(c.get("ids")), new int[b * s], ints(c.get("mask")));
    }

    private static TokenDistillationLoss loss(JsonNode c) {
        return new TokenDistillationLoss(c.get("forward_weight").asDouble(), c.get("temperature").asDouble(),
                c.get("alpha").asDouble());
    }

    @Test
    void lossesAndGradientsMatchPyTorch() {
        JsonNode cases = root.get("cases");
        assertEquals(6, cases.size(), "fixture cases; " + REGENERATE);
        for (JsonNode c : cases) {
            Loss l = loss(c).compute(floats(c.get("student")), floats(c.get("teacher")), input(c), c.get("vocab").asInt());
            String what = "lambda=" + c.get("forward_weight") + " T=" + c.get("temperature") + " alpha=" + c.get("alpha");
            // both sides compute in double from the same float32 logits; the Java loss and gradient are then
            // rounded to float32 (relative 6e-8), so 1e-6 relative with a tiny absolute floor is ample
            assertEquals(c.get("loss").asDouble(), l.value(), 1e-6 * Math.abs(c.get("loss").asDouble()) + 1e-7, what);
            assertClose(floats(c.get("d_student")), l.dLogits(), 1e-5, 1e-7, what + " gradient; " + REGENERATE);
        }
    }

    @Test
    void gradientsEqualCentralFiniteDifferences() {
        for (JsonNode c : root.get("cases")) {
            float[] s = floats(c.get("student"));
            float[] t = floats(c.get("teacher"));
            EncoderInput in = input(c);
            int vocab = c.get("vocab").asInt();
            TokenDistillationLoss f = loss(c);
            float[] grad = f.compute(s, t, in, vocab).dLogits();
            SplittableRandom rng = new SplittableRandom(3);
            for (int k = 0; k < 12; k++) {
                int i = rng.nextInt(s.length);
                float h = 1e-2f;
                float[] plus = s.clone();
                float[] minus = s.clone();
                plus[i] += h;
                minus[i] -= h;
                double fd = (f.compute(plus, t, in, vocab).value() - (double) f.compute(minus, t, in, vocab).value()) / (2 * h);
                // float32 loss values of order 1 differ by ~1e-7 per evaluation, divided by 2h = 0.02: ~1e-5, plus the
                // O(h²) truncation of the central difference (~1e-5 for logits of unit scale)
                assertEquals(grad[i], fd, 1e-4, "logit " + i + " of lambda=" + c.get("forward_weight") + " T="
                        + c.get("temperature"));
            }
        }
    }

    @Test
    void positionsWithoutANextRealTokenGetNoGradient() {
        JsonNode c = root.get("cases").get(0);
        Loss l = loss(c).compute(floats(c.get("student")), floats(c.get("teacher")), input(c), c.get("vocab").asInt());
        int seq = c.get("seq").asInt();
        int vocab = c.get("vocab").asInt();
        int[] mask = ints(c.get("mask"));
        for (int r = 0; r < mask.length; r++) {
            boolean counts = r % seq + 1 < seq && mask[r] != 0 && mask[r + 1] != 0;
            double sum = 0;
            for (int j = 0; j < vocab; j++) {
                sum += Math.abs(l.dLogits()[r * vocab + j]);
            }
            assertEquals(counts, sum > 0, "row " + r);
        }
        EncoderInput single = new EncoderInput(1, 1, new int[] {3}, new int[1], new int[] {1});
        assertThrows(IllegalArgumentException.class,
                () -> loss(c).compute(new float[vocab], new float[vocab], single, vocab));
        assertThrows(IllegalArgumentException.class, () -> new TokenDistillationLoss(1.5, 1, 1));
    }
}
