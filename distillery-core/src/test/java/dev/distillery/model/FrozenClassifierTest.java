package dev.distillery.model;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.kernel.LinearWeight;
import dev.distillery.kernel.RowTable;
import dev.distillery.kernel.lowbit.LowBitFixtures;
import dev.distillery.kernel.lowbit.LowBitFixtures.Case;
import dev.distillery.kernel.lowbit.LowBitFixtures.Format;
import dev.distillery.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The inference-only classifier against the trainable one, with FP32 and with low-bit weights. */
class FrozenClassifierTest {
    /**
     * Only summation order differs (packed products, bias added first, Q, K, V fused or stacked):
     * a few ulps on values of order 1, grown a little through two layers and the head.
     */
    private static final double RTOL = 1e-4;
    private static final double ATOL = 1e-5;

    /** Widths that every format accepts: in % 32 == 0 for Q8_0 and Q4_0, % 64 for NF4's fast path. */
    private static EncoderConfig config(String family) {
        boolean distil = family.equals("distilbert");
        return new EncoderConfig(family, 30, 64, 2, 2, 96, 16, distil ? 0 : 2, 1e-12f, 0.1f, 0.1f, 0.1f,
                List.of("benign", "phishing", "malware"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert", "distilbert"})
    void freezingKeepsTheLogits(String family) {
        SequenceClassifier model = SequenceClassifier.create(TinyModels.config(family, 0.1f), 3);
        SequenceClassifier frozen = model.freeze();
        for (EncoderInput in : List.of(TinyModels.sample(7), TinyModels.batch(3, new int[] {2, 5, 3}))) {
            assertClose(model.logits(in), frozen.logits(in), RTOL, ATOL, family + " logits, seq " + in.seqLen());
            assertClose(model.probabilities(in), frozen.probabilities(in), RTOL, ATOL, family + " probabilities");
        }
        // The snapshot is a copy: training the model afterwards does not reach it.
        float[] before = frozen.logits(TinyModels.sample(7));
        long version = model.version();
        Map<String, Tensor> doubled = new LinkedHashMap<>();
        model.weights().forEach((name, t) -> {
            float[] d = t.data().clone();
            for (int i = 0; i < d.length; i++) {
                d[i] *= 2;
            }
            doubled.put(name, Tensor.of(d, t.shape()));
        });
        model.loadWeights(doubled);
        assertTrue(model.version() != version, "loading weights moves the version");
        assertArrayEquals(before, frozen.logits(TinyModels.sample(7)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert", "distilbert"})
    void lowBitWeightsComputeWhatTheirDequantizedValuesDo(String family) {
        EncoderConfig config = config(family);
        Map<String, Tensor> fp32 = SequenceClassifier.create(config, 4).weights();
        Map<String, Tensor> dequantized = new LinkedHashMap<>(fp32);
        Random random = new Random(5);
        Format[] formats = Format.values();
        int[] next = {0};
        WeightSource plain = WeightSource.fp32(fp32);
        WeightSource quantized = new WeightSource() {
            @Override
            public LinearWeight linear(String name, int out, int in) {
                // Every format in turn; weights of BERT's initial scale (about 0.05).
                Case c = LowBitFixtures.random(formats[next[0]++ % formats.length], out, in, 0.1f, random);
                dequantized.put(name, Tensor.of(c.dequantized(), out, in));
                return c.weight();
            }

            @Override
            public float[] vector(String name, int length) {
                return plain.vector(name, length);
            }

            @Override
            public RowTable table(String name, int rows, int width) {
                if (!name.endsWith("word_embeddings.weight")) {
                    return plain.table(name, rows, width);
                }
                Case c = LowBitFixtures.random(Format.Q8_0, rows, width, 1f, random);
                dequantized.put(name, Tensor.of(c.dequantized(), rows, width));
                return c.weight();
            }
        };
        SequenceClassifier frozen = SequenceClassifier.fromWeights(config, quantized);
        SequenceClassifier reference = SequenceClassifier.create(config, 0);
        reference.loadWeights(dequantized);
        for (EncoderInput in : List.of(TinyModels.sample(9), TinyModels.batch(4, new int[] {2, 5, 3}))) {
            assertClose(reference.logits(in), frozen.logits(in), RTOL, ATOL, family + " low-bit logits");
        }
        SequenceClassifier full = SequenceClassifier.fromWeights(config, WeightSource.fp32(dequantized));
        assertTrue(frozen.bytes() < full.bytes() / 3, "packed size " + frozen.bytes() + " against FP32 " + full.bytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert", "distilbert"})
    void aMissingOrMisshapenTensorIsNamed(String family) {
        EncoderConfig config = config(family);
        Map<String, Tensor> weights = new LinkedHashMap<>(SequenceClassifier.create(config, 4).weights());
        weights.remove("classifier.bias");
        WeightMismatchException missing = assertThrows(WeightMismatchException.class,
                () -> SequenceClassifier.fromWeights(config, WeightSource.fp32(weights)));
        assertTrue(missing.missing().contains("classifier.bias"), missing.getMessage());
        weights.put("classifier.bias", Tensor.zeros(2));
        WeightMismatchException shape = assertThrows(WeightMismatchException.class,
                () -> SequenceClassifier.fromWeights(config, WeightSource.fp32(weights)));
        assertTrue(shape.getMessage().contains("classifier.bias"), shape.getMessage());
    }
}
