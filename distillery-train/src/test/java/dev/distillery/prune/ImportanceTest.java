package dev.distillery.prune;

import dev.distillery.model.ModelFamilies;

import dev.distillery.model.EncoderConfig;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ImportanceTest {
    private static final double EPS = 1e-2;

    /** |dL/dξ| by central differences in the mask: columns of W [out, in] from..from+count scaled by 1 ± ε. */
    private static double finiteDifference(SequenceClassifier model, String weight, int from, int count,
                                           TokenizedExamples sample) {
        double[] loss = new double[2];
        for (int s = 0; s < 2; s++) {
            SequenceClassifier m = SequenceClassifier.create(model.config(), 0);
            m.loadWeights(model.weights());
            Tensor w = m.weights().get(weight);
            int cols = w.shape()[1];
            float scale = (float) (s == 0 ? 1 + EPS : 1 - EPS);
            for (int r = 0; r < w.shape()[0]; r++) {
                for (int j = from; j < from + count; j++) {
                    w.data()[r * cols + j] *= scale;
                }
            }
            loss[s] = Importance.meanLoss(m, sample, sample.size());
        }
        return Math.abs((loss[0] - loss[1]) / (2 * EPS));
    }

    @Test
    void headAndNeuronScoresAreTheMaskGradient() {
        EncoderConfig c = TinyPruning.config("bert");
        SequenceClassifier model = TinyPruning.model(c, 5);
        TokenizedExamples sample = TinyPruning.examples(6, 1);
        // one batch, so the score is |dL/dξ| itself, not a sum of per-batch magnitudes
        Importance.Scores scores = Importance.gradient(model, sample, sample.size());
        for (int l = 0; l < c.numLayers(); l++) {
            dev.distillery.model.LayerTensors t = ModelFamilies.of(c).layerTensors(c, l);
            for (int h = 0; h < c.numHeads(); h++) {
                double fd = finiteDifference(model, t.headColumns() + ".weight", h * c.headSize(), c.headSize(), sample);
                // the loss is a float sum: differences over ε = 1e-2 carry O(ε²) curvature and ~1e-5 rounding
                assertEquals(fd, scores.heads()[l][h], 2e-3 + 2e-2 * fd, "layer " + l + " head " + h);
            }
            for (int n = 0; n < c.intermediateSize(); n += 5) {
                double fd = finiteDifference(model, t.neuronColumns() + ".weight", n, 1, sample);
                assertEquals(fd, scores.neurons()[l][n], 2e-3 + 2e-2 * fd, "layer " + l + " neuron " + n);
            }
        }
    }

    @Test
    void scoresSumPerBatchMagnitudes() {
        SequenceClassifier model = TinyPruning.model(TinyPruning.config("distilbert"), 8);
        TokenizedExamples sample = TinyPruning.examples(6, 2);
        Importance.Scores whole = Importance.gradient(model, sample, 3);
        TokenizedExamples first = new TokenizedExamples("a", java.util.Arrays.copyOfRange(sample.ids(), 0, 3), null,
                java.util.Arrays.copyOfRange(sample.labels(), 0, 3), 3, 0);
        TokenizedExamples second = new TokenizedExamples("b", java.util.Arrays.copyOfRange(sample.ids(), 3, 6), null,
                java.util.Arrays.copyOfRange(sample.labels(), 3, 6), 3, 0);
        Importance.Scores a = Importance.gradient(model, first, 3);
        Importance.Scores b = Importance.gradient(model, second, 3);
        for (int l = 0; l < 3; l++) {
            for (int h = 0; h < 4; h++) {
                // the same backward passes in the same order: sums agree to float rounding of one addition
                assertEquals(a.heads()[l][h] + b.heads()[l][h], whole.heads()[l][h], 1e-6 * (1 + whole.heads()[l][h]));
            }
        }
    }

    @Test
    void layerAblationLossIsTheLossWithoutThatLayer() {
        SequenceClassifier model = TinyPruning.model(TinyPruning.config("bert"), 3);
        TokenizedExamples sample = TinyPruning.examples(5, 6);
        float[] loss = Importance.layerAblationLoss(model, sample, 2);
        assertEquals(Importance.meanLoss(StructuredPruner.keepLayers(model, new int[] {0, 2}), sample, 2), loss[1]);
        assertEquals(3, loss.length);
    }

    @Test
    void planRemovesTheLeastImportantHeadsAndNeuronsInEveryLayer() {
        EncoderConfig c = TinyPruning.config("bert");
        float[][] heads = {{0.4f, 0.1f, 0.3f, 0.2f}, {1f, 2f, 3f, 4f}, {5f, 5f, 1f, 0f}};
        float[][] neurons = new float[3][12];
        for (int n = 0; n < 12; n++) {
            neurons[0][n] = n;
            neurons[1][n] = -n; // scores are magnitudes, but the ranking must not care
            neurons[2][n] = n % 4;
        }
        PruningPlan p = StructuredPruner.plan(c, new int[] {0, 1, 2}, new Importance.Scores(heads, neurons), 0.5, 0.25);
        assertEquals(java.util.List.of(java.util.List.of(0, 2), java.util.List.of(2, 3), java.util.List.of(0, 1)),
                p.keptHeads());
        assertEquals(9, p.ffnSize());
        assertArrayEquals(new int[] {3, 4, 5, 6, 7, 8, 9, 10, 11}, p.keptNeurons()[0]);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8}, p.keptNeurons()[1]);
        // ties (three each of 1, 2, 3) keep the lower index
        assertArrayEquals(new int[] {1, 2, 3, 5, 6, 7, 9, 10, 11}, p.keptNeurons()[2]);
        Map<Integer, java.util.List<Integer>> expected = Map.of(0, java.util.List.of(1, 3), 1,
                java.util.List.of(0, 1), 2, java.util.List.of(2, 3));
        assertEquals(expected, StructuredPruner.config(c, p).prunedHeads());
    }
}
