package dev.distillery.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.embed.SentenceEncoder;
import dev.distillery.model.EncoderConfig;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.WeightSource;
import dev.distillery.tensor.Tensor;
import dev.distillery.testing.Numerics;
import dev.distillery.testing.OnnxRuntimeRun;
import dev.distillery.testing.SharedDatasets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exported graph, run by ONNX Runtime, must compute what Distillery computes: the logits and
 * hidden states of random classifiers (every tensor perturbed, so a dropped bias or a LayerNorm
 * with its parameters swapped shows), and the last hidden states of the real MiniLM against its
 * original ONNX file.
 */
class BertOnnxExporterTest {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"bert", "distilbert", "bert-pruned"})
    void randomClassifierRunsInOnnxRuntimeAsInDistillery(String kind) throws Exception {
        EncoderConfig config = tinyConfig(kind);
        Map<String, Tensor> weights = perturbed(SequenceClassifier.create(config, 7).weights());
        SequenceClassifier ours = SequenceClassifier.fromWeights(config, WeightSource.fp32(weights));
        EncoderInput input = sample(config);

        Map<String, float[]> theirs = OnnxRuntimeRun.outputs(BertOnnxExporter.export(config, weights, true), input);

        Numerics.assertClose(ours.logits(input), theirs.get("logits"), 1e-4, 1e-5, kind + " logits");
        float[] hidden = ours.backbone().hidden(input);
        float[] reference = theirs.get("last_hidden_state");
        int h = config.hiddenSize();
        for (int row = 0; row < input.batch() * input.seqLen(); row++) {
            if (input.attentionMask()[row] == 1) { // padding positions are in neither model's contract
                for (int j = 0; j < h; j++) {
                    assertEquals(hidden[row * h + j], reference[row * h + j], 1e-5,
                            kind + " hidden state, token row " + row + ", unit " + j);
                }
            }
        }
    }

    @Test
    void exportedMiniLmMatchesItsOriginalOnnxFileOnRealUrls() throws Exception {
        SentenceEncoder minilm = SentenceEncoder.load(SentenceEncoder.MINILM);
        byte[] exported = BertOnnxExporter.export(minilm.config(), minilm.encoder().weights(), false);
        List<String> urls = SharedDatasets.urls("phishing-urls/test.csv.gz").subList(0, 16);
        EncoderInput input = minilm.tokenize(urls, SentenceEncoder.DEFAULT_MAX_LENGTH);
        float[] original;
        try (OnnxRuntimeRun ort = new OnnxRuntimeRun(minilm.onnxModel())) {
            original = ort.lastHidden(input);
        }
        float[] reexported = OnnxRuntimeRun.outputs(exported, input).get("last_hidden_state");
        int h = minilm.config().hiddenSize();
        double worst = 0;
        for (int row = 0; row < input.batch() * input.seqLen(); row++) {
            if (input.attentionMask()[row] == 1) {
                for (int j = 0; j < h; j++) {
                    worst = Math.max(worst, Math.abs(original[row * h + j] - reexported[row * h + j]));
                }
            }
        }
        // The same runtime on the same weights: only operator fusion and summation order differ.
        assertTrue(worst <= 1e-4, "largest difference from the original MiniLM file: " + worst);
    }

    @Test
    void missingOrMisshapenTensorIsNamed() {
        EncoderConfig config = tinyConfig("bert");
        Map<String, Tensor> weights = new HashMap<>(SequenceClassifier.create(config, 7).weights());
        weights.remove("bert.encoder.layer.1.output.dense.bias");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> BertOnnxExporter.export(config, weights, true));
        assertTrue(missing.getMessage().contains("bert.encoder.layer.1.output.dense.bias is missing"), missing.getMessage());

        weights.put("bert.encoder.layer.1.output.dense.bias", Tensor.of(new float[3], 3));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> BertOnnxExporter.export(config, weights, true));
        assertTrue(shape.getMessage().contains("output.dense.bias is [3], the config needs [8]"), shape.getMessage());
    }

    @Test
    void headIsRefusedForAnEncoderWithoutLabels() {
        EncoderConfig config = tinyConfig("bert").withLabels(List.of());
        Map<String, Tensor> weights = SequenceClassifier.create(tinyConfig("bert"), 7).weights();
        assertThrows(IllegalArgumentException.class, () -> BertOnnxExporter.export(config, weights, true));
    }

    private static EncoderConfig tinyConfig(String kind) {
        boolean distil = kind.equals("distilbert");
        TreeMap<Integer, List<Integer>> pruned = new TreeMap<>();
        if (kind.equals("bert-pruned")) {
            pruned.put(0, List.of(1)); // layer 0 keeps one head of two; layer 1 keeps both
        }
        return new EncoderConfig(distil ? "distilbert" : "bert", 30, 8, 2, 2, 12, 16, distil ? 0 : 2, 1e-12f,
                0f, 0f, 0f, List.of("benign", "phishing", "malware"), pruned);
    }

    /** Every tensor plus seeded noise: a fresh model has zero biases and unit LayerNorm weights. */
    private static Map<String, Tensor> perturbed(Map<String, Tensor> weights) {
        SplittableRandom rng = new SplittableRandom(11);
        Map<String, Tensor> out = new LinkedHashMap<>();
        weights.forEach((name, t) -> {
            float[] data = t.data().clone();
            for (int i = 0; i < data.length; i++) {
                data[i] += (float) (0.2 * (rng.nextDouble() - 0.5));
            }
            out.put(name, Tensor.of(data, t.shape()));
        });
        return out;
    }

    /** Three rows of different lengths, padded with id 0; token types 1 in the second half. */
    private static EncoderInput sample(EncoderConfig config) {
        int[][] rows = {{2, 7, 9, 4, 11}, {2, 5, 3}, {2, 8, 8, 21, 6, 13, 3}};
        int seqLen = 7;
        int[] ids = new int[rows.length * seqLen];
        int[] types = new int[ids.length];
        int[] mask = new int[ids.length];
        for (int b = 0; b < rows.length; b++) {
            for (int t = 0; t < rows[b].length; t++) {
                ids[b * seqLen + t] = rows[b][t];
                types[b * seqLen + t] = config.typeVocabSize() > 0 && t >= rows[b].length / 2 ? 1 : 0;
                mask[b * seqLen + t] = 1;
            }
        }
        return new EncoderInput(rows.length, seqLen, ids, types, mask);
    }
}
