package dev.distillery.prune;

import dev.distillery.model.ModelFamilies;

import dev.distillery.distill.StudentFactory;
import dev.distillery.distill.StudentInit;
import dev.distillery.distill.StudentSpec;
import dev.distillery.io.Checkpoint;
import dev.distillery.model.EncoderConfig;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;
import dev.distillery.testing.Numerics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StructuredPrunerTest {
    // Removing a head or neuron drops terms that were exactly zero in the masked model; only the
    // blocking of the sums changes, so the two agree to float rounding of a few ulps.
    private static final double RTOL = 1e-5;
    private static final double ATOL = 1e-6;

    /** Kept heads per layer: different heads in each layer (the same number, as prune chooses). */
    private static final List<List<Integer>> HEADS = List.of(List.of(0, 3), List.of(1, 2), List.of(2, 3));
    private static final int[] NEURONS = {0, 2, 3, 7, 8, 11};

    private static PruningPlan plan() {
        return new PruningPlan(new int[] {0, 1, 2}, HEADS, new int[][] {NEURONS, {1, 2, 4, 5, 9, 10}, NEURONS});
    }

    /** The source with the plan's removed heads' output columns and removed neurons' output columns zeroed. */
    private static SequenceClassifier masked(SequenceClassifier source, PruningPlan plan) {
        dev.distillery.model.ModelConfig c = source.config();
        SequenceClassifier m = SequenceClassifier.create(c, 0);
        m.loadWeights(source.weights());
        Map<String, Tensor> w = m.weights();
        for (int l = 0; l < c.numLayers(); l++) {
            dev.distillery.model.LayerTensors t = ModelFamilies.of(c).layerTensors(c, l);
            Tensor out = w.get(t.headColumns() + ".weight"); // [hidden, heads·headSize]
            for (int h = 0; h < c.numHeads(); h++) {
                if (!plan.keptHeads().get(l).contains(h)) {
                    zeroColumns(out, h * c.headSize(), c.headSize());
                }
            }
            Tensor ffnOut = w.get(t.neuronColumns() + ".weight"); // [hidden, ffn]
            for (int n = 0; n < c.intermediateSize(); n++) {
                int finalN = n;
                if (java.util.Arrays.stream(plan.keptNeurons()[l]).noneMatch(k -> k == finalN)) {
                    zeroColumns(ffnOut, n, 1);
                }
            }
        }
        return m;
    }

    private static void zeroColumns(Tensor t, int from, int count) {
        int rows = t.shape()[0];
        int cols = t.shape()[1];
        for (int r = 0; r < rows; r++) {
            for (int j = from; j < from + count; j++) {
                t.data()[r * cols + j] = 0f;
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert", "distilbert"})
    void prunedModelEqualsTheMaskedModel(String family) {
        SequenceClassifier source = TinyPruning.model(TinyPruning.config(family), 7);
        SequenceClassifier pruned = StructuredPruner.apply(source, plan());
        EncoderInput in = TinyPruning.batch(TinyPruning.examples(5, 3));

        assertEquals(6, pruned.config().intermediateSize());
        assertEquals(Map.of(0, List.of(1, 2), 1, List.of(0, 3), 2, List.of(0, 1)), pruned.config().prunedHeads());
        String query0 = layer(pruned, 0).headRows().get(0) + ".weight";
        assertEquals(List.of(4, 8), List.of(pruned.weights().get(query0).shape()[0], pruned.weights().get(query0).shape()[1]));
        Numerics.assertClose(masked(source, plan()).logits(in), pruned.logits(in), RTOL, ATOL, "logits");
    }

    @Test
    void frozenEncoderOfAPrunedModelAgreesWithItsTrainingPath() {
        SequenceClassifier pruned = StructuredPruner.apply(TinyPruning.model(TinyPruning.config("bert"), 11), plan());
        EncoderInput in = TinyPruning.batch(TinyPruning.examples(4, 5));
        // the frozen layer fuses Q, K, V and sums in another order: the same tolerance as above
        Numerics.assertClose(pruned.backbone().meanPooled(in), pruned.backbone().freeze().meanPooled(in), RTOL, ATOL,
                "mean pooled");
    }

    @Test
    void gradientsOfKeptWeightsEqualThoseOfTheMaskedModel() {
        SequenceClassifier source = TinyPruning.model(TinyPruning.config("bert"), 13);
        SequenceClassifier masked = masked(source, plan());
        SequenceClassifier pruned = StructuredPruner.apply(source, plan());
        var examples = TinyPruning.examples(4, 9);
        EncoderInput in = TinyPruning.batch(examples);
        int[] labels = examples.labels().clone();
        masked.backward(masked.forwardTrain(in, labels, null));
        pruned.backward(pruned.forwardTrain(in, labels, null));
        // layer 1 keeps heads 1 and 2: the pruned query rows 0..3 are the masked model's rows 2..5
        String q = layer(source, 1).headRows().get(0) + ".weight";
        float[] full = grad(masked, q);
        float[] kept = new float[4 * 8];
        System.arraycopy(full, 2 * 8, kept, 0, kept.length);
        Numerics.assertClose(kept, grad(pruned, q), RTOL, ATOL, "query gradient of kept heads");
        String lin1 = layer(source, 0).neuronRows().get(0) + ".bias";
        float[] fullBias = grad(masked, lin1);
        float[] keptBias = new float[NEURONS.length];
        for (int i = 0; i < NEURONS.length; i++) {
            keptBias[i] = fullBias[NEURONS[i]];
        }
        Numerics.assertClose(keptBias, grad(pruned, lin1), RTOL, ATOL, "intermediate bias gradient of kept neurons");
    }

    private static float[] grad(SequenceClassifier m, String name) {
        for (Parameter p : m.parameters()) {
            if (p.name().equals(name)) {
                return p.grad().data();
            }
        }
        throw new AssertionError("no parameter " + name);
    }

    @Test
    void droppingLayersMatchesTheDistilledStudentsLayerCopy() {
        SequenceClassifier source = TinyPruning.model(TinyPruning.config("bert"), 17);
        SequenceClassifier kept = StructuredPruner.keepLayers(source, new int[] {0, 2});
        // spread(3, 2) = [0, 2]: the student factory copies the same layers by another route
        SequenceClassifier student = StudentFactory.create(source, StudentSpec.layersOf(source.config(), 2),
                StudentInit.FROM_TEACHER, null, 1);
        EncoderInput in = TinyPruning.batch(TinyPruning.examples(3, 2));
        assertArrayEquals(student.logits(in), kept.logits(in));
    }

    @Test
    void pruningAPrunedModelAgainComposes() {
        SequenceClassifier source = TinyPruning.model(TinyPruning.config("bert"), 19);
        SequenceClassifier once = StructuredPruner.apply(source, plan());
        // keep original head 3 of layer 0 (stored second) and head 1 of layer 1 (stored first), three neurons
        PruningPlan second = new PruningPlan(new int[] {0, 1}, List.of(List.of(3), List.of(1)),
                new int[][] {{0, 2, 5}, {0, 2, 5}});
        SequenceClassifier twice = StructuredPruner.apply(once, second);
        PruningPlan direct = new PruningPlan(new int[] {0, 1}, List.of(List.of(3), List.of(1)),
                new int[][] {{NEURONS[0], NEURONS[2], NEURONS[5]}, {1, 4, 10}});
        EncoderInput in = TinyPruning.batch(TinyPruning.examples(3, 4));
        assertArrayEquals(StructuredPruner.apply(source, direct).logits(in), twice.logits(in));
        assertThrows(IllegalArgumentException.class, () -> StructuredPruner.apply(once,
                new PruningPlan(new int[] {0}, List.of(List.of(1)), new int[][] {{0}})), "head 1 was pruned from layer 0");
    }

    @Test
    void prunedFolderRoundTripsWithPrunedHeads(@TempDir Path dir) throws IOException {
        SequenceClassifier pruned = StructuredPruner.apply(TinyPruning.model(TinyPruning.config("bert"), 23), plan());
        Checkpoint.write(dir, pruned.config(), pruned.weights(), null);
        String json = Files.readString(dir.resolve(Checkpoint.CONFIG));
        assertTrue(json.contains("\"pruned_heads\": {\n    \"0\": [\n      1,\n      2\n    ],"), json);
        assertTrue(json.contains("\"num_attention_heads\": 4"), json);
        Checkpoint read = Checkpoint.read(dir);
        assertEquals(pruned.config(), read.config());
        SequenceClassifier loaded = SequenceClassifier.create(read.config(), 99);
        loaded.loadWeights(read.weights());
        EncoderInput in = TinyPruning.batch(TinyPruning.examples(3, 8));
        assertArrayEquals(pruned.logits(in), loaded.logits(in));
    }

    @Test
    void configRejectsPrunedHeadsItCannotHold() {
        EncoderConfig c = TinyPruning.config("bert");
        SortedMap<Integer, List<Integer>> allHeads = new TreeMap<>(Map.of(0, List.of(0, 1, 2, 3)));
        assertThrows(IllegalArgumentException.class, () -> c.withShape(30, 3, 12, allHeads));
        assertThrows(IllegalArgumentException.class, () -> c.withShape(30, 3, 12, Map.of(3, List.of(0))));
        assertThrows(IllegalArgumentException.class, () -> c.withShape(30, 3, 12, Map.of(0, List.of(4))));
        assertThrows(IllegalArgumentException.class, () -> c.withShape(30, 3, 12, Map.of(0, List.of(1, 1))));
    }

    private static dev.distillery.model.LayerTensors layer(SequenceClassifier m, int layer) {
        return ModelFamilies.of(m.config()).layerTensors(m.config(), layer);
    }
}
