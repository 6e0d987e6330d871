package dev.distillery.prune;

import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
import dev.distillery.model.ModelFamily;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.nn.Parameter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Unstructured magnitude pruning: which weights of the layers' linear projections are
 * zero (Han et al., "Learning both Weights and Connections", 2015; for BERT, Gordon et al., 2020).
 * Embeddings, LayerNorms, biases and the classification head are never pruned.
 *
 * <p>Exactly round(sparsity · n) weights are pruned, n counted per matrix ({@link SparsityScope#LAYER})
 * or over all of them ({@link SparsityScope#GLOBAL}): the smallest |w|, ties going to the lower
 * index, so the count does not depend on how many weights share a value (zeros from an earlier
 * prune included).
 * <pre>{@code
 * SparsityMasks m = SparsityMasks.magnitude(model, 0.5, SparsityScope.LAYER);
 * m.apply(model);      // zeros them; call again after every optimizer step to keep them zero
 * m.sparsity();        // 0.5 (to within one weight per matrix)
 * }</pre>
 */
public final class SparsityMasks {
    private final Map<String, BitSet> pruned; // name → set bits are zeroed, in row-major order
    private final Map<String, Integer> sizes;

    private SparsityMasks(Map<String, BitSet> pruned, Map<String, Integer> sizes) {
        this.pruned = Collections.unmodifiableMap(pruned);
        this.sizes = Collections.unmodifiableMap(sizes);
    }

    /** Names of the weights magnitude pruning may touch, in model order. */
    public static List<String> prunable(ModelConfig c) {
        List<String> names = new ArrayList<>();
        ModelFamily family = ModelFamilies.of(c);
        for (int l = 0; l < c.numLayers(); l++) {
            for (String base : family.layerTensors(c, l).all()) {
                names.add(base + ".weight");
            }
        }
        return names;
    }

    /** Masks pruning round(sparsity · n) of the smallest-magnitude prunable weights of {@code model}. */
    public static SparsityMasks magnitude(SequenceClassifier model, double sparsity, SparsityScope scope) {
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new IllegalArgumentException("sparsity must be in [0, 1), got " + sparsity);
        }
        Map<String, Parameter> byName = new LinkedHashMap<>();
        for (Parameter p : model.parameters()) {
            byName.put(p.name(), p);
        }
        List<String> names = prunable(model.config());
        Map<String, BitSet> masks = new LinkedHashMap<>();
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (String n : names) {
            masks.put(n, new BitSet());
            sizes.put(n, byName.get(n).data().length);
        }
        if (scope == SparsityScope.LAYER) {
            for (String n : names) {
                float[] w = byName.get(n).data();
                long[] keys = new long[w.length];
                fillKeys(w, 0, keys, 0);
                markSmallest(keys, (int) Math.round(sparsity * w.length), List.of(n), List.of(0), masks);
            }
        } else {
            int total = sizes.values().stream().mapToInt(Integer::intValue).sum();
            long[] keys = new long[total];
            List<Integer> starts = new ArrayList<>();
            int at = 0;
            for (String n : names) {
                starts.add(at);
                float[] w = byName.get(n).data();
                fillKeys(w, at, keys, at);
                at += w.length;
            }
            markSmallest(keys, (int) Math.round(sparsity * total), names, starts, masks);
        }
        return new SparsityMasks(masks, sizes);
    }

    /**
     * Sort keys: |w| as its float bits (non-negative floats order as their bits do) above the
     * flat index, so one primitive sort ranks by magnitude, then index.
     */
    private static void fillKeys(float[] w, int indexBase, long[] keys, int at) {
        for (int i = 0; i < w.length; i++) {
            keys[at + i] = ((long) Float.floatToRawIntBits(Math.abs(w[i])) << 32) | (indexBase + i);
        }
    }

    private static void markSmallest(long[] keys, int count, List<String> names, List<Integer> starts,
                                     Map<String, BitSet> masks) {
        Arrays.sort(keys);
        for (int i = 0; i < count; i++) {
            int flat = (int) keys[i];
            int t = names.size() - 1;
            while (starts.get(t) > flat) {
                t--;
            }
            masks.get(names.get(t)).set(flat - starts.get(t));
        }
    }

    /** Zeros every masked weight of {@code model}. */
    public void apply(SequenceClassifier model) {
        for (Parameter p : model.parameters()) {
            BitSet m = pruned.get(p.name());
            if (m != null) {
                float[] w = p.data();
                for (int i = m.nextSetBit(0); i >= 0; i = m.nextSetBit(i + 1)) {
                    w[i] = 0f;
                }
            }
        }
    }

    /** Pruned weights over prunable weights. */
    public double sparsity() {
        long prunedCount = pruned.values().stream().mapToLong(BitSet::cardinality).sum();
        long total = sizes.values().stream().mapToLong(Integer::longValue).sum();
        return total == 0 ? 0 : (double) prunedCount / total;
    }

    /** Pruned weights of one matrix over its size. */
    public double sparsity(String name) {
        return (double) pruned.get(name).cardinality() / sizes.get(name);
    }

    /** Names of the masked matrices. */
    public List<String> names() {
        return List.copyOf(pruned.keySet());
    }

    /** Zero weights over all prunable weights of {@code model}, whatever made them zero. */
    public static double measuredSparsity(SequenceClassifier model) {
        List<String> names = prunable(model.config());
        long zeros = 0;
        long total = 0;
        for (Parameter p : model.parameters()) {
            if (names.contains(p.name())) {
                for (float v : p.data()) {
                    if (v == 0f) {
                        zeros++;
                    }
                }
                total += p.data().length;
            }
        }
        return total == 0 ? 0 : (double) zeros / total;
    }
}
