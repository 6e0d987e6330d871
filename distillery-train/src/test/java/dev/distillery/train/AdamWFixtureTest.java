package dev.distillery.train;

import static dev.distillery.testing.JsonArrays.floats;
import static dev.distillery.testing.JsonArrays.ints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AdamW, the warm-up schedule and global-norm clipping against PyTorch 1.13, step by step
 * (fixture written by scripts/fixtures/make_adamw_fixture.py).
 */
class AdamWFixtureTest {
    private static final String REGENERATE = "regenerate with: /usr/bin/python3 scripts/fixtures/make_adamw_fixture.py "
            + "distillery-train/src/test/resources/fixtures";

    private static JsonNode root;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = AdamWFixtureTest.class.getResourceAsStream("/fixtures/adamw-v1.json")) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /fixtures/adamw-v1.json; " + REGENERATE);
            }
            root = new ObjectMapper().readTree(in);
        }
        JsonNode header = root.get("header");
        if (header.get("script_version").asInt() != 1) {
            throw new IllegalStateException("adamw fixture has script version " + header.get("script_version")
                    + ", the test reads version 1; " + REGENERATE);
        }
    }

    @Test
    void scheduleMatchesHuggingFace() {
        LinearWarmupSchedule schedule = schedule();
        JsonNode steps = root.get("steps");
        for (int k = 0; k < steps.size(); k++) {
            // both sides compute the same double expression
            assertEquals(steps.get(k).get("lr").asDouble(), schedule.lr(k), 0.0, "lr of step " + k);
        }
    }

    @Test
    void noDecayRuleMatchesTheFixtureGroups() {
        List<String> noDecay = new ArrayList<>();
        root.get("no_decay").forEach(n -> noDecay.add(n.asText()));
        root.get("initial").fieldNames().forEachRemaining(name ->
                assertEquals(noDecay.contains(name), AdamW.biasOrLayerNorm(name), name));
        assertTrue(AdamW.biasOrLayerNorm("distilbert.transformer.layer.0.sa_layer_norm.weight"));
        assertFalse(AdamW.biasOrLayerNorm("bert.encoder.layer.0.attention.self.query.weight"));
    }

    @Test
    void adamwStepsMatchPyTorchBitForBit() {
        List<Parameter> params = initialParams();
        AdamW adamw = optimizer(params);
        // fed PyTorch's clipped gradients, every element goes through the same float operations in
        // the same order (fused multiply-adds where PyTorch's AVX2 kernels fuse), so bits agree
        runSteps(params, adamw, 0, root.get("steps").size(), false, 0, 0);
        JsonNode finalState = root.get("final_state");
        for (AdamW.ParamState s : adamw.state().params()) {
            JsonNode expected = finalState.get(s.name());
            assertEquals(expected.get("step").asLong(), s.step(), s.name() + " step");
            assertClose(floats(expected.get("exp_avg")), s.expAvg(), 0, 0, s.name() + " exp_avg");
            assertClose(floats(expected.get("exp_avg_sq")), s.expAvgSq(), 0, 0, s.name() + " exp_avg_sq");
        }
    }

    @Test
    void clippingMatchesPyTorch() {
        List<Parameter> params = initialParams();
        double maxNorm = root.get("options").get("max_norm").asDouble();
        JsonNode steps = root.get("steps");
        boolean clipped = false;
        boolean unclipped = false;
        for (int k = 0; k < steps.size(); k++) {
            JsonNode step = steps.get(k);
            setGrads(params, step.get("grads"));
            float norm = GradientClipping.clipGlobalNorm(params, maxNorm);
            float expectedNorm = (float) step.get("total_norm").asDouble();
            // PyTorch sums squares in float32 in its own order, we in double: the norms may differ in the last bits
            assertEquals(expectedNorm, norm, 4 * Math.ulp(expectedNorm), "total norm of step " + k);
            clipped |= expectedNorm > maxNorm;
            unclipped |= expectedNorm < maxNorm;
            for (Parameter p : params) {
                // the scale inherits the norm's few-ulp difference
                assertClose(floats(step.get("clipped_grads").get(p.name()).get("data")), p.grad().data(), 1e-6, 0,
                        "clipped gradient of " + p.name() + " at step " + k);
            }
        }
        assertTrue(clipped && unclipped, "the fixture must exercise both a clipping and a non-clipping step");
    }

    @Test
    void clipThenStepMatchesPyTorch() {
        List<Parameter> params = initialParams();
        // clipping's few-ulp scale difference reaches the update through m/√v; parameters are O(1),
        // so a relative 1e-6 is a handful of ulps
        runSteps(params, optimizer(params), 0, root.get("steps").size(), true, 1e-6, 1e-7);
    }

    @Test
    void restoredStateContinuesExactly() {
        int split = 3;
        List<Parameter> params = initialParams();
        AdamW first = optimizer(params);
        runSteps(params, first, 0, split, false, 0, 0);
        AdamW.State saved = first.state();

        List<Parameter> copy = new ArrayList<>();
        for (Parameter p : params) {
            copy.add(new Parameter(p.name(), p.value().copy()));
        }
        AdamW second = optimizer(copy);
        second.restore(saved);
        // bit for bit, as in adamwStepsMatchPyTorchBitForBit
        runSteps(copy, second, split, root.get("steps").size(), false, 0, 0);
    }

    @Test
    void restoreRejectsAStateOfOtherParameters() {
        List<Parameter> params = initialParams();
        AdamW adamw = optimizer(params);
        AdamW.State state = adamw.state();
        AdamW other = optimizer(params.subList(0, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.restore(state));
        assertTrue(e.getMessage().contains("unexpected " + params.get(2).name()), e.getMessage());
    }

    /**
     * Runs fixture steps [from, to) from the raw gradients through clipping when {@code clip}, else
     * from PyTorch's clipped gradients, checking the parameters after each step.
     */
    private void runSteps(List<Parameter> params, AdamW adamw, int from, int to, boolean clip, double rtol, double atol) {
        LinearWarmupSchedule schedule = schedule();
        double maxNorm = root.get("options").get("max_norm").asDouble();
        JsonNode steps = root.get("steps");
        for (int k = from; k < to; k++) {
            JsonNode step = steps.get(k);
            if (clip) {
                setGrads(params, step.get("grads"));
                GradientClipping.clipGlobalNorm(params, maxNorm);
            } else {
                setGrads(params, step.get("clipped_grads"));
            }
            adamw.step(schedule.lr(k));
            for (Parameter p : params) {
                assertClose(floats(step.get("params_after").get(p.name()).get("data")), p.data(), rtol, atol,
                        p.name() + " after step " + k);
            }
            adamw.zeroGrad();
        }
    }

    private static void setGrads(List<Parameter> params, JsonNode grads) {
        for (Parameter p : params) {
            System.arraycopy(floats(grads.get(p.name()).get("data")), 0, p.grad().data(), 0, p.data().length);
        }
    }

    private static LinearWarmupSchedule schedule() {
        JsonNode o = root.get("options");
        return new LinearWarmupSchedule(o.get("lr").asDouble(), o.get("warmup_steps").asLong(),
                o.get("total_steps").asLong());
    }

    private static AdamW optimizer(List<Parameter> params) {
        JsonNode o = root.get("options");
        return new AdamW(params, new AdamW.Options(o.get("beta1").asDouble(), o.get("beta2").asDouble(),
                o.get("eps").asDouble(), o.get("weight_decay").asDouble()), AdamW::biasOrLayerNorm);
    }

    private static List<Parameter> initialParams() {
        List<Parameter> params = new ArrayList<>();
        root.get("initial").properties().forEach(e -> {
            JsonNode t = e.getValue();
            params.add(new Parameter(e.getKey(), Tensor.of(floats(t.get("data")), ints(t.get("shape")))));
        });
        return params;
    }
}
