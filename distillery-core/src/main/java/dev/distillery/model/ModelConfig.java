package dev.distillery.model;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * The shape of a transformer of any family, as its Hugging Face {@code config.json} gives it: what
 * shared code (training, pruning, distillation, reports) may ask without knowing the family.
 * Each family's own record ({@link EncoderConfig}, {@code LlamaConfig}) adds the rest, and
 * {@link ModelFamilies#of(ModelConfig)} finds the family that reads and builds it.
 *
 * <p>Heads are counted per layer because pruning removes them ({@code pruned_heads}); head size
 * stays {@code hiddenSize / numHeads} however many remain.
 */
public interface ModelConfig {
    /** Hugging Face's {@code model_type}: {@code "bert"}, {@code "distilbert"}, {@code "llama"}, ... */
    String family();

    int vocabSize();

    int hiddenSize();

    int numLayers();

    /** Query heads per layer before pruning. */
    int numHeads();

    /** Width of the feed-forward block's hidden layer. */
    int intermediateSize();

    /** Longest sequence the model takes (position embeddings, or the rotary context). */
    int maxPositions();

    /** Class names in logit order; empty for a model without a classification head. */
    List<String> labels();

    /** Layer → removed head indices (in the original numbering); empty when none were pruned. */
    SortedMap<Integer, List<Integer>> prunedHeads();

    /** This config with other class names. */
    ModelConfig withLabels(List<String> labels);

    /** This config with other sizes (vocabulary, layers, FFN width) and pruned heads, everything else kept. */
    ModelConfig withShape(int vocabSize, int layers, int intermediateSize, Map<Integer, List<Integer>> prunedHeads);

    default int numLabels() {
        return labels().size();
    }

    default int headSize() {
        return hiddenSize() / numHeads();
    }

    /** Heads left in {@code layer} after {@link #prunedHeads}. */
    default int headsInLayer(int layer) {
        return numHeads() - prunedHeads().getOrDefault(layer, List.of()).size();
    }

    /** Width of {@code layer}'s attention: query outputs and the output projection's input. */
    default int attentionWidth(int layer) {
        return headsInLayer(layer) * headSize();
    }

    /** Original indices of the heads left in {@code layer}, ascending (the order their weights are stored in). */
    default List<Integer> keptHeads(int layer) {
        List<Integer> pruned = prunedHeads().getOrDefault(layer, List.of());
        List<Integer> kept = new java.util.ArrayList<>();
        for (int h = 0; h < numHeads(); h++) {
            if (!pruned.contains(h)) {
                kept.add(h);
            }
        }
        return kept;
    }
}
