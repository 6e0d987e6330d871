package dev.distillery.model;

import java.util.List;

/**
 * The shape of a BERT-family encoder and its classification head, as in a Hugging Face
 * {@code config.json}. {@code family} is {@code "bert"} or {@code "distilbert"}; DistilBERT has no
 * token-type embeddings ({@code typeVocabSize == 0}) and no pooler.
 *
 * @param labels class names in logit order; empty for an encoder without a classification head
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
        List<String> labels) {

    public EncoderConfig {
        labels = List.copyOf(labels);
        if (!family.equals("bert") && !family.equals("distilbert")) {
            throw new IllegalArgumentException("unknown model family '" + family + "': expected bert or distilbert");
        }
        if (hiddenSize <= 0 || numHeads <= 0 || hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden size " + hiddenSize + " is not a positive multiple of "
                    + numHeads + " attention heads");
        }
        if (vocabSize <= 0 || numLayers < 0 || intermediateSize <= 0 || maxPositions <= 0 || typeVocabSize < 0) {
            throw new IllegalArgumentException("invalid encoder size: " + this);
        }
    }

    public int headSize() {
        return hiddenSize / numHeads;
    }

    public int numLabels() {
        return labels.size();
    }

    public boolean isDistilBert() {
        return family.equals("distilbert");
    }

    public EncoderConfig withLabels(List<String> newLabels) {
        return new EncoderConfig(family, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, maxPositions,
                typeVocabSize, layerNormEps, hiddenDropout, attentionDropout, classifierDropout, newLabels);
    }
}
