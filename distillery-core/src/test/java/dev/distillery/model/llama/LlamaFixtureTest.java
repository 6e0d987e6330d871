package dev.distillery.model.llama;

import dev.distillery.generate.Generator;
import dev.distillery.generate.Sampler;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.WeightSource;
import dev.distillery.nn.KvCache;
import dev.distillery.nn.Parameter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Set;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Llama family against PyTorch (scripts/fixtures/make_llama_fixture.py): Llama 2 (separate
 * output layer, 4 heads over 2 key/value heads), Llama 3 / SmolLM2 (tied embedding, one key/value
 * head, llama3 rope scaling, BF16 weights) and Qwen2 (q/k/v biases, F16 weights), loaded from their
 * Hugging Face folders.
 */
class LlamaFixtureTest {
    /**
     * The reference is float64; ours is FP32 through two blocks of eight tokens: errors stay near
     * 1e-6 of values of order 1–10, so 1e-4 relative and absolute catches any wrong term (order 1e-2).
     */
    private static final double TOL = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama2", "tiny-llama3", "tiny-qwen2"})
    void logitsAndHiddenStatesMatchPyTorch(String variant) {
        LlamaFixture f = LlamaFixture.load(variant);
        CausalLanguageModel lm = trainable(f);
        EncoderInput in = f.input();
        assertClose(f.expected().get("logits").data(), lm.logits(in), TOL, TOL, "logits of " + f.what());
        List<float[]> states = lm.decoder().hiddenStates(in);
        assertEquals(f.config().numLayers() + 1, states.size());
        for (int k = 0; k < states.size(); k++) {
            assertClose(f.expected().get("hidden_states." + k).data(), states.get(k), TOL, TOL,
                    "hidden state " + k + " of " + f.what());
        }
        CausalLanguageModel frozen = CausalLanguageModel.fromWeights(f.config(), WeightSource.fp32(f.checkpoint().weights()));
        assertClose(f.expected().get("logits").data(), frozen.logits(in), TOL, TOL, "frozen logits of " + f.what());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama2", "tiny-llama3", "tiny-qwen2"})
    void lossAndTheGradientOfEveryWeightMatchPyTorch(String variant) {
        LlamaFixture f = LlamaFixture.load(variant);
        CausalLanguageModel lm = trainable(f);
        CausalLanguageModel.TrainingStep step = lm.trainingStep(f.input());
        assertClose(f.expected().get("loss").data(), new float[] {step.loss()}, TOL, TOL, "loss of " + f.what());
        lm.backward(step);
        assertEquals(f.checkpoint().weights().keySet(), lm.weights().keySet(), "parameters of " + f.what());
        for (Parameter p : lm.parameters()) {
            assertClose(f.expected().get("grad." + p.name()).data(), p.grad().data(), TOL, TOL,
                    "gradient of " + p.name() + " in " + f.what());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama2", "tiny-llama3", "tiny-qwen2"})
    void theKvCachePathEqualsTheFullForward(String variant) {
        LlamaFixture f = LlamaFixture.load(variant);
        CausalLanguageModel lm = CausalLanguageModel.fromWeights(f.config(), WeightSource.fp32(f.checkpoint().weights()));
        EncoderInput in = f.input();
        float[] full = lm.logits(in); // [batch·seq, vocab]
        int vocab = f.config().vocabSize();
        int seq = in.seqLen();
        for (int b = 0; b < in.batch(); b++) {
            // a prompt of three tokens at once, then one token at a time
            KvCache cache = lm.newCache(1, seq);
            int[] row = f.inputIds()[b];
            float[] last = lm.nextLogits(java.util.Arrays.copyOf(row, 3), 1, 3, 0, cache);
            // summation order differs (one row at a time against whole blocks): FP32 ulps only
            assertClose(slice(full, b * seq + 2, vocab), last, 1e-5, 1e-5, "cached logits after the prompt, row " + b);
            for (int t = 3; t < seq; t++) {
                last = lm.nextLogits(new int[] {row[t]}, 1, 1, t, cache);
                assertClose(slice(full, b * seq + t, vocab), last, 1e-5, 1e-5, "cached logits at " + t + ", row " + b);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama2", "tiny-llama3", "tiny-qwen2"})
    void greedyGenerationContinuesAsPyTorchDoes(String variant) {
        LlamaFixture f = LlamaFixture.load(variant);
        CausalLanguageModel lm = CausalLanguageModel.fromWeights(f.config(), WeightSource.fp32(f.checkpoint().weights()));
        for (int b = 0; b < f.inputIds().length; b++) {
            int steps = f.greedyIds()[b].length;
            Generator.Result r = new Generator(lm, null, Set.of()).generate(f.inputIds()[b], steps, Sampler.greedy(), null);
            assertArrayEquals(f.greedyIds()[b], r.ids().stream().mapToInt(Integer::intValue).toArray(),
                    "greedy continuation of row " + b + " of " + f.what());
        }
    }

    private static CausalLanguageModel trainable(LlamaFixture f) {
        CausalLanguageModel lm = CausalLanguageModel.create(f.config(), 0);
        lm.loadWeights(f.checkpoint().weights());
        return lm;
    }

    private static float[] slice(float[] a, int row, int width) {
        return java.util.Arrays.copyOfRange(a, row * width, (row + 1) * width);
    }
}
