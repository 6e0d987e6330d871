package dev.distillery.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The shape of a post-LN encoder and its classification head, as in a Hugging Face
 * {@code config.json}, for every family whose backbone is an {@link Encoder}. {@code family} is the
 * {@code model_type} of a registered {@link EncoderFamily} ({@code "bert"}, {@code "distilbert"});
 * a family without token types has {@code typeVocabSize == 0}.
 *
 * <p>{@code prunedHeads} is Hugging Face's {@code pruned_heads}: layer → indices (in the original
 * numbering of {@code numHeads}) of heads removed from that layer. Head size stays
 * {@code hiddenSize / numHeads}, so a layer with r heads left has Q, K, V of [r·headSize, hidden]
 * and an output projection of [hidden, r·headSize], the remaining heads in their original order.
 *
 * @param labels class names in logit order; empty for an encoder without a classification head
 * @param prunedHeads layer → sorted removed head indices; layers without pruned heads are absent
 */
public record EncoderConfig(
        String family,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int intermediateSize,
        int maxPositions,
        int typeVocabSize,
        float layerNormEps,
        float hiddenDropout,
        float attentionDropout,
        float classifierDropout,
        List<String> labels,
        SortedMap<Integer, List<Integer>> prunedHeads) implements ModelConfig {

    public EncoderConfig {
        labels = List.copyOf(labels);
        prunedHeads = checkedPrunedHeads(prunedHeads, numLayers, numHeads);
        ModelFamilies.encoder(family); // throws naming the encoder families there are
        if (hiddenSize <= 0 || numHeads <= 0 || hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden size " + hiddenSize + " is not a positive multiple of "
                    + numHeads + " attention heads");
        }
        if (vocabSize <= 0 || numLayers < 0 || intermediateSize <= 0 || maxPositions <= 0 || typeVocabSize < 0) {
            throw new IllegalArgumentException("invalid encoder size: " + this);
        }
    }

    /** A config with every head present. */
    public EncoderConfig(String family, int vocabSize, int hiddenSize, int numLayers, int numHeads, int intermediateSize,
                         int maxPositions, int typeVocabSize, float layerNormEps, float hiddenDropout,
                         float attentionDropout, float classifierDropout, List<String> labels) {
        this(family, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, maxPositions, typeVocabSize,
                layerNormEps, hiddenDropout, attentionDropout, classifierDropout, labels, Collections.emptySortedMap());
    }

    private static SortedMap<Integer, List<Integer>> checkedPrunedHeads(Map<Integer, List<Integer>> pruned, int layers,
                                                                        int heads) {
        SortedMap<Integer, List<Integer>> out = new TreeMap<>();
        if (pruned == null) {
            return Collections.unmodifiableSortedMap(out);
        }
        for (Map.Entry<Integer, List<Integer>> e : pruned.entrySet()) {
            int layer = e.getKey();
            if (layer < 0 || layer >= layers) {
                throw new IllegalArgumentException("pruned heads name layer " + layer + " but the encoder has " + layers
                        + " layers");
            }
            List<Integer> sorted = new ArrayList<>(new java.util.TreeSet<>(e.getValue()));
            if (sorted.size() != e.getValue().size()) {
                throw new IllegalArgumentException("pruned heads of layer " + layer + " repeat a head: " + e.getValue());
            }
            if (!sorted.isEmpty() && (sorted.getFirst() < 0 || sorted.getLast() >= heads)) {
                throw new IllegalArgumentException("pruned heads of layer " + layer + " " + e.getValue()
                        + " must be head indices in [0, " + heads + ")");
            }
            if (sorted.size() >= heads) {
                throw new IllegalArgumentException("pruned heads of layer " + layer + " remove all " + heads
                        + " heads; at least one must remain");
            }
            if (!sorted.isEmpty()) {
                out.put(layer, List.copyOf(sorted));
            }
        }
        return Collections.unmodifiableSortedMap(out);
    }

    /** The family that reads, writes and builds models of this config. */
    public EncoderFamily encoderFamily() {
        return ModelFamilies.encoder(family);
    }

    @Override
    public EncoderConfig withLabels(List<String> newLabels) {
        return new EncoderConfig(family, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, maxPositions,
                typeVocabSize, layerNormEps, hiddenDropout, attentionDropout, classifierDropout, newLabels, prunedHeads);
    }

    @Override
    public EncoderConfig withShape(int newVocabSize, int newLayers, int newIntermediateSize,
                                   Map<Integer, List<Integer>> newPrunedHeads) {
        return new EncoderConfig(family, newVocabSize, hiddenSize, newLayers, numHeads, newIntermediateSize, maxPositions,
                typeVocabSize, layerNormEps, hiddenDropout, attentionDropout, classifierDropout, labels,
                new TreeMap<>(newPrunedHeads));
    }

    /**
     * The record's usual form, with {@code prunedHeads} only when some are: training checkpoints
     * store this string to recognise their model, and those of unpruned models predate the field.
     */
    @Override
    public String toString() {
        return "EncoderConfig[family=" + family + ", vocabSize=" + vocabSize + ", hiddenSize=" + hiddenSize
                + ", numLayers=" + numLayers + ", numHeads=" + numHeads + ", intermediateSize=" + intermediateSize
                + ", maxPositions=" + maxPositions + ", typeVocabSize=" + typeVocabSize + ", layerNormEps=" + layerNormEps
                + ", hiddenDropout=" + hiddenDropout + ", attentionDropout=" + attentionDropout + ", classifierDropout="
                + classifierDropout + ", labels=" + labels + (prunedHeads.isEmpty() ? "" : ", prunedHeads=" + prunedHeads)
                + "]";
    }
}
