package dev.distillery.model;

import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading and exporting Hugging Face weight maps, and HF's random initialisation. */
class WeightLoadingTest {

    @Test
    void exportedWeightsLoadIntoAnotherModel() {
        EncoderConfig cfg = TinyModels.config("bert", 0.1f);
        SequenceClassifier source = SequenceClassifier.create(cfg, 1);
        SequenceClassifier target = SequenceClassifier.create(cfg, 2);
        EncoderInput input = TinyModels.sample(7);
        target.loadWeights(copy(source.weights()));
        assertArrayEquals(source.logits(input), target.logits(input));
    }

    @Test
    void everyProblemIsListedInOneError() {
        SequenceClassifier model = SequenceClassifier.create(TinyModels.config("bert", 0.1f), 1);
        Map<String, Tensor> weights = copy(model.weights());
        weights.remove("bert.encoder.layer.1.output.dense.bias");
        weights.remove("classifier.weight");
        weights.put("bert.encoder.layer.7.output.dense.bias", Tensor.zeros(8));
        weights.put("bert.pooler.dense.weight", Tensor.zeros(8, 9));
        float before = model.weights().get("bert.embeddings.word_embeddings.weight").data()[9];
        weights.get("bert.embeddings.word_embeddings.weight").data()[9] = 42f;
        WeightMismatchException e = assertThrows(WeightMismatchException.class, () -> model.loadWeights(weights));
        assertEquals(List.of("bert.encoder.layer.1.output.dense.bias", "classifier.weight"), e.missing());
        assertEquals(List.of("bert.encoder.layer.7.output.dense.bias"), e.unexpected());
        assertEquals(1, e.wrongShape().size());
        assertTrue(e.getMessage().contains("bert.pooler.dense.weight: [8, 9], expected [8, 8]"), e.getMessage());
        assertEquals(before, model.weights().get("bert.embeddings.word_embeddings.weight").data()[9],
                "a failed load leaves the model unchanged");
    }

    @Test
    void bareEncoderAcceptsNamesWithOrWithoutPrefixAndSkipsHeads() {
        for (String family : List.of("bert", "distilbert")) {
            EncoderConfig cfg = TinyModels.config(family, 0.1f);
            SequenceClassifier classifier = SequenceClassifier.create(cfg, 1);
            EncoderInput input = TinyModels.sample(7);
            Encoder fromClassifier = Encoder.create(cfg, 2);
            LoadReport report = fromClassifier.loadWeights(classifier.weights());
            assertArrayEquals(classifier.lastHiddenState(input).data(), fromClassifier.lastHiddenState(input).data());
            assertEquals(family.equals("bert")
                    ? List.of("bert.pooler.dense.weight", "bert.pooler.dense.bias", "classifier.weight", "classifier.bias")
                    : List.of("pre_classifier.weight", "pre_classifier.bias", "classifier.weight", "classifier.bias"),
                    report.ignored(), family + " heads are skipped, not an error");

            Map<String, Tensor> prefixed = new LinkedHashMap<>();
            classifier.weights().forEach((k, v) -> {
                if (k.startsWith(family + ".")) {
                    prefixed.put(k, v);
                }
            });
            Encoder fromPrefixed = Encoder.create(cfg, 2);
            fromPrefixed.loadWeights(prefixed);

            Map<String, Tensor> bare = new LinkedHashMap<>();
            prefixed.forEach((k, v) -> bare.put(k.substring(family.length() + 1), v));
            Encoder fromBare = Encoder.create(cfg, 3);
            fromBare.loadWeights(bare);
            assertArrayEquals(fromPrefixed.meanPooled(input), fromBare.meanPooled(input));
            assertTrue(fromBare.weights().keySet().stream().noneMatch(k -> k.startsWith(family + ".")),
                    "a bare encoder exports bare names");
        }
    }

    @Test
    void pretrainedLoadKeepsTheNewHeadAndOldLayerNormNames() {
        EncoderConfig cfg = TinyModels.config("bert", 0.1f);
        Encoder pretrained = Encoder.create(cfg, 1);
        Map<String, Tensor> checkpoint = new LinkedHashMap<>();
        pretrained.weights().forEach((k, v) -> checkpoint.put(
                k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"), v));
        checkpoint.put("cls.predictions.bias", Tensor.zeros(30));
        checkpoint.put("embeddings.position_ids", Tensor.zeros(1, 16));
        SequenceClassifier model = SequenceClassifier.create(cfg, 9);
        LoadReport report = model.loadPretrained(checkpoint);
        assertEquals(List.of("bert.pooler.dense.weight", "bert.pooler.dense.bias", "classifier.weight",
                "classifier.bias"), report.keptInitial());
        assertEquals(List.of("cls.predictions.bias", "embeddings.position_ids"), report.ignored());
        EncoderInput input = TinyModels.sample(7);
        assertArrayEquals(pretrained.lastHiddenState(input).data(), model.lastHiddenState(input).data());
    }

    @Test
    void initialisationFollowsHuggingFace() {
        SequenceClassifier a = SequenceClassifier.create(TinyModels.config("distilbert", 0.1f), 5);
        SequenceClassifier b = SequenceClassifier.create(TinyModels.config("distilbert", 0.1f), 5);
        double sumSq = 0;
        long n = 0;
        for (Parameter p : a.parameters()) {
            float[] d = p.data();
            assertArrayEquals(d, b.weights().get(p.name()).data(), "same seed, same " + p.name());
            if (p.name().contains("layer_norm") || p.name().contains("LayerNorm")) {
                for (float v : d) {
                    assertEquals(p.name().endsWith("weight") ? 1f : 0f, v, p.name());
                }
            } else if (p.name().endsWith("bias")) {
                assertArrayEquals(new float[d.length], d, p.name() + " starts at zero");
            } else {
                for (float v : d) {
                    sumSq += v * v;
                    n++;
                }
            }
        }
        float[] words = a.weights().get("distilbert.embeddings.word_embeddings.weight").data();
        assertArrayEquals(new float[8], java.util.Arrays.copyOf(words, 8), "padding row 0 starts at zero");
        // About 2000 N(0, 0.02²) draws: the sample standard deviation is within 5% of 0.02 at > 4σ.
        assertEquals(0.02, Math.sqrt(sumSq / n), 0.001);
    }

    static Map<String, Tensor> copy(Map<String, Tensor> weights) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        weights.forEach((k, v) -> out.put(k, v.copy()));
        return out;
    }
}
