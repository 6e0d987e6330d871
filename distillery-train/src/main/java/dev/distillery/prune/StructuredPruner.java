package dev.distillery.prune;

import dev.distillery.model.LayerTensors;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
import dev.distillery.model.ModelFamily;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Removes attention heads, feed-forward neurons and layers physically: the result is a new
 * {@link SequenceClassifier} with smaller matrices, equal in evaluation mode to the source with
 * those structures masked to zero. Heads: the rows of Q, K, V (weights and biases) and the columns
 * of the attention output projection that belong to them; the config records them in
 * {@code pruned_heads} as Hugging Face's {@code prune_heads} does. Neurons: rows of the first
 * feed-forward projection and columns of the second. Layers: dropped and the rest renumbered.
 */
public final class StructuredPruner {
    private StructuredPruner() {
    }

    /**
     * Chooses what to keep from importance scores: in every layer the same number of heads is
     * removed, round(headFraction · heads), and of neurons round(ffnFraction · ffn), the least
     * important first, leaving at least one of each.
     *
     * @param scores of {@code model} with {@code layers} already applied (see {@link #keepLayers})
     */
    public static PruningPlan plan(ModelConfig model, int[] keptLayers, Importance.Scores scores,
                                   double headFraction, double ffnFraction) {
        List<List<Integer>> heads = new ArrayList<>();
        int[][] neurons = new int[keptLayers.length][];
        int ffn = model.intermediateSize();
        int keepNeurons = Math.max(1, ffn - (int) Math.round(ffnFraction * ffn));
        for (int k = 0; k < keptLayers.length; k++) {
            List<Integer> present = model.keptHeads(keptLayers[k]);
            int keep = Math.max(1, present.size() - (int) Math.round(headFraction * present.size()));
            int[] top = Importance.topIndices(scores.heads()[k], keep);
            List<Integer> original = new ArrayList<>();
            for (int i : top) {
                original.add(present.get(i));
            }
            heads.add(original);
            neurons[k] = Importance.topIndices(scores.neurons()[k], keepNeurons);
        }
        return new PruningPlan(keptLayers, heads, neurons);
    }

    /** A plan that keeps {@code keptLayers} whole. */
    public static PruningPlan layersOnly(ModelConfig model, int[] keptLayers) {
        List<List<Integer>> heads = new ArrayList<>();
        int[][] neurons = new int[keptLayers.length][];
        for (int k = 0; k < keptLayers.length; k++) {
            heads.add(model.keptHeads(keptLayers[k]));
            neurons[k] = java.util.stream.IntStream.range(0, model.intermediateSize()).toArray();
        }
        return new PruningPlan(keptLayers, heads, neurons);
    }

    /** {@code model} with only the layers {@code keptLayers} (ascending source indices). */
    public static SequenceClassifier keepLayers(SequenceClassifier model, int[] keptLayers) {
        return apply(model, layersOnly(model.config(), keptLayers));
    }

    /** The config of {@code model} after {@code plan}. */
    public static ModelConfig config(ModelConfig model, PruningPlan plan) {
        SortedMap<Integer, List<Integer>> pruned = new TreeMap<>();
        for (int k = 0; k < plan.keptLayers().length; k++) {
            List<Integer> removed = new ArrayList<>();
            for (int h = 0; h < model.numHeads(); h++) {
                if (!plan.keptHeads().get(k).contains(h)) {
                    removed.add(h);
                }
            }
            if (!removed.isEmpty()) {
                pruned.put(k, removed);
            }
        }
        return model.withShape(model.vocabSize(), plan.keptLayers().length, plan.ffnSize(), pruned);
    }

    /**
     * A new model holding {@code source}'s weights with the plan's structures removed.
     *
     * @throws IllegalArgumentException when the plan names a layer, head or neuron the source lacks
     */
    public static SequenceClassifier apply(SequenceClassifier source, PruningPlan plan) {
        ModelConfig sc = source.config();
        for (int k = 0; k < plan.keptLayers().length; k++) {
            int l = plan.keptLayers()[k];
            if (l < 0 || l >= sc.numLayers() || (k > 0 && l <= plan.keptLayers()[k - 1])) {
                throw new IllegalArgumentException("kept layers must be ascending indices below " + sc.numLayers()
                        + ", got " + java.util.Arrays.toString(plan.keptLayers()));
            }
            if (!sc.keptHeads(l).containsAll(plan.keptHeads().get(k))) {
                throw new IllegalArgumentException("layer " + l + " has heads " + sc.keptHeads(l) + ", not all of "
                        + plan.keptHeads().get(k));
            }
            for (int n : plan.keptNeurons()[k]) {
                if (n < 0 || n >= sc.intermediateSize()) {
                    throw new IllegalArgumentException("neuron " + n + " is outside layer " + l + "'s "
                            + sc.intermediateSize());
                }
            }
        }
        ModelConfig tc = config(sc, plan);
        ModelFamily family = ModelFamilies.of(tc);
        SequenceClassifier target = SequenceClassifier.create(tc, 0);
        Map<String, Tensor> from = source.weights();
        for (Parameter p : target.parameters()) {
            String name = p.name();
            int k = layerIndex(tc, name);
            if (k < 0) {
                copy(from.get(name), p.value(), null, false);
                continue;
            }
            int l = plan.keptLayers()[k];
            LayerTensors t = family.layerTensors(tc, k);
            String srcName = family.layerTensors(sc, l).stem() + name.substring(t.stem().length());
            Tensor src = from.get(srcName);
            String base = name.substring(0, name.lastIndexOf('.'));
            boolean weight = name.endsWith(".weight");
            if (t.headRows().contains(base)) {
                copy(src, p.value(), headUnits(sc, l, plan.keptHeads().get(k)), false);
            } else if (base.equals(t.headColumns()) && weight) {
                copy(src, p.value(), headUnits(sc, l, plan.keptHeads().get(k)), true);
            } else if (t.neuronRows().contains(base)) {
                copy(src, p.value(), plan.keptNeurons()[k], false);
            } else if (base.equals(t.neuronColumns()) && weight) {
                copy(src, p.value(), plan.keptNeurons()[k], true);
            } else {
                copy(src, p.value(), null, false);
            }
        }
        return target;
    }

    /** The layer a parameter name of {@code c} belongs to, or −1 for embeddings and head. */
    private static int layerIndex(ModelConfig c, String name) {
        String p = ModelFamilies.of(c).layerTensors(c, 0).stem();
        String stem = p.substring(0, p.length() - 2);
        if (!name.startsWith(stem)) {
            return -1;
        }
        String rest = name.substring(stem.length());
        return Integer.parseInt(rest.substring(0, rest.indexOf('.')));
    }

    /** Stored rows (of Q, K, V) of the kept heads: positions in the layer's present heads times headSize. */
    private static int[] headUnits(ModelConfig c, int layer, List<Integer> kept) {
        List<Integer> present = c.keptHeads(layer);
        int d = c.headSize();
        int[] units = new int[kept.size() * d];
        for (int i = 0; i < kept.size(); i++) {
            int pos = present.indexOf(kept.get(i));
            for (int j = 0; j < d; j++) {
                units[i * d + j] = pos * d + j;
            }
        }
        return units;
    }

    /**
     * Copies {@code src} into {@code dst}: whole when {@code keep} is null, else only the rows
     * (or, with {@code columns}, the columns of a 2-D tensor) listed in {@code keep}. A 1-D
     * tensor with rows kept is a bias of the pruned outputs.
     */
    private static void copy(Tensor src, Tensor dst, int[] keep, boolean columns) {
        float[] s = src.data();
        float[] d = dst.data();
        if (keep == null) {
            System.arraycopy(s, 0, d, 0, d.length);
            return;
        }
        int[] shape = src.shape();
        if (shape.length == 1) {
            for (int i = 0; i < keep.length; i++) {
                d[i] = s[keep[i]];
            }
        } else if (!columns) {
            int cols = shape[1];
            for (int i = 0; i < keep.length; i++) {
                System.arraycopy(s, keep[i] * cols, d, i * cols, cols);
            }
        } else {
            int rows = shape[0];
            int cols = shape[1];
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < keep.length; i++) {
                    d[r * keep.length + i] = s[r * cols + keep[i]];
                }
            }
        }
    }
}
