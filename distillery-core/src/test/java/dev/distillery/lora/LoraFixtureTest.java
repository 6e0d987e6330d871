package dev.distillery.lora;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distillery.io.RawTensor;
import dev.distillery.io.SafetensorsFile;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.EncoderInput;
import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LoRA against PyTorch (scripts/fixtures/make_lora_fixture.py: PEFT's y = x·Wᵀ + (α/r)·(x·Aᵀ)·Bᵀ
 * on the tiny Llama 2 and Qwen2 fixtures, float64): the PEFT adapter folder the script wrote is
 * read, applied to the base and trained from; logits, the loss with -100 labels, and the gradient
 * of every A, B and (Qwen2, bias "lora_only") trained bias match.
 */
class LoraFixtureTest {
    private static final String REGENERATE = "regenerate with: /usr/bin/python3 scripts/fixtures/make_lora_fixture.py";
    /**
     * As the base fixtures (LlamaFixtureTest): float64 reference, FP32 here through two blocks of
     * eight tokens; errors near 1e-6 of values of order 1–10, while a wrong term is of order 1e-2.
     */
    private static final double TOL = 1e-4;

    private static Path resource(String path) throws Exception {
        return Path.of(LoraFixtureTest.class.getResource(path).toURI());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama2", "tiny-qwen2"})
    void logitsLossAndAdapterGradientsMatchPyTorch(String variant) throws Exception {
        Path loraDir = resource("/fixtures/lora/" + variant);
        Map<String, Tensor> expected = new LinkedHashMap<>();
        int[] ids;
        int[] labels;
        String what;
        try (SafetensorsFile st = SafetensorsFile.open(loraDir.resolve("expected.safetensors"))) {
            for (var t : st.tensors()) {
                if (t.dtype().isFloating()) {
                    expected.put(t.name(), st.toTensor(t.name()));
                }
            }
            ids = longs(st.raw("input_ids"));
            labels = longs(st.raw("labels"));
            what = variant + " " + st.metadata() + " (" + REGENERATE + ")";
        }
        PeftAdapter adapter = PeftAdapter.read(loraDir);
        int seq = 8;
        int[] mask = new int[ids.length];
        Arrays.fill(mask, 1);
        EncoderInput in = new EncoderInput(ids.length / seq, seq, ids, new int[ids.length], mask);

        try (FrozenBase base = FrozenBase.load(resource("/fixtures/llama/" + variant), "fp32")) {
            CausalLanguageModel applied = LoraModels.withAdapter(base.config(), base.weights(), adapter, loraDir);
            assertClose(expected.get("logits").data(), applied.logits(in), TOL, TOL, "logits with the adapter, " + what);

            CausalLanguageModel lm = LoraModels.training(base, adapter.loraConfig(base.config()), 1);
            assertEquals(new TreeSet<>(adapter.tensors().keySet()),
                    new TreeSet<>(lm.parameters().stream().map(Parameter::name).toList()), "trained tensors of " + what);
            for (Parameter p : lm.parameters()) {
                System.arraycopy(adapter.tensors().get(p.name()).data(), 0, p.data(), 0, p.data().length);
                p.touch();
            }
            CausalLanguageModel.TrainingStep step = lm.withLoss(lm.forwardTrain(in), labels);
            assertClose(expected.get("loss").data(), new float[] {step.loss()}, TOL, TOL, "loss of " + what);
            lm.backward(step);
            for (Parameter p : lm.parameters()) {
                assertClose(expected.get("grad." + p.name()).data(), p.grad().data(), TOL, TOL,
                        "gradient of " + p.name() + " in " + what);
            }
        }
    }

    /** An I64 tensor, flattened to ints. */
    private static int[] longs(RawTensor raw) {
        ByteBuffer b = ByteBuffer.wrap(raw.data()).order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[raw.data().length / 8];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.toIntExact(b.getLong());
        }
        return out;
    }
}
