package dev.distillery.model.llama;

import dev.distillery.model.ModelConfig;
import dev.distillery.nn.Rope;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * The shape of a Llama-family decoder as its Hugging Face {@code config.json} gives it, for every
 * variant the family reads: Llama 2 and 3, SmolLM and SmolLM2 ({@code model_type} "llama") and
 * Qwen2 ("qwen2", with biases on q, k and v).
 *
 * @param family            {@code model_type}: "llama" or "qwen2"
 * @param numKvHeads        key/value heads; query heads share them in groups of numHeads / numKvHeads
 * @param headDim           width of one head (HF's {@code head_dim}, by default hidden / heads)
 * @param ropeScaling       Llama 3 frequency scaling, or null
 * @param qkvBias           biases on the q, k and v projections (Qwen2, or Llama's attention_bias)
 * @param outputBias        a bias on o_proj (Llama's attention_bias)
 * @param mlpBias           biases on gate, up and down (Llama's mlp_bias)
 * @param bosTokenId        beginning-of-sequence id, or −1 when the config names none
 * @param eosTokenIds       end-of-sequence ids (Llama 3 Instruct has several)
 */
public record LlamaConfig(String family, int vocabSize, int hiddenSize, int numLayers, int numHeads, int numKvHeads,
                          int headDim, int intermediateSize, int maxPositions, float rmsNormEps, double ropeTheta,
                          Rope.Llama3Scaling ropeScaling, boolean tieWordEmbeddings, boolean qkvBias,
                          boolean outputBias, boolean mlpBias, int bosTokenId, List<Integer> eosTokenIds)
        implements ModelConfig {
    public LlamaConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        if (vocabSize <= 0 || hiddenSize <= 0 || numLayers < 0 || numHeads <= 0 || numKvHeads <= 0 || headDim <= 0
                || intermediateSize <= 0 || maxPositions <= 0) {
            throw new IllegalArgumentException("invalid decoder size: " + this);
        }
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException(numHeads + " attention heads cannot share " + numKvHeads
                    + " key/value heads evenly");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("rotary embeddings need an even head size, got " + headDim);
        }
    }

    @Override
    public int headSize() {
        return headDim;
    }

    /** Width of the query projection's output: heads × head size. */
    public int qDim() {
        return numHeads * headDim;
    }

    /** Width of the key and value projections' outputs: key/value heads × head size. */
    public int kvDim() {
        return numKvHeads * headDim;
    }

    @Override
    public List<String> labels() {
        return List.of();
    }

    @Override
    public SortedMap<Integer, List<Integer>> prunedHeads() {
        return Collections.emptySortedMap();
    }

    /** A decoder has no classification labels; asking for some is refused. */
    @Override
    public LlamaConfig withLabels(List<String> labels) {
        if (!labels.isEmpty()) {
            throw new UnsupportedOperationException("a " + family + " decoder has no sequence-classification head");
        }
        return this;
    }

    @Override
    public LlamaConfig withShape(int vocab, int layers, int intermediate, Map<Integer, List<Integer>> pruned) {
        if (!pruned.isEmpty()) {
            throw new UnsupportedOperationException("pruning heads of a " + family + " decoder is not supported");
        }
        return new LlamaConfig(family, vocab, hiddenSize, layers, numHeads, numKvHeads, headDim, intermediate,
                maxPositions, rmsNormEps, ropeTheta, ropeScaling, tieWordEmbeddings, qkvBias, outputBias, mlpBias,
                bosTokenId, eosTokenIds);
    }

    /** This config with another context length (rotary tables are built for this many positions). */
    public LlamaConfig withMaxPositions(int positions) {
        return new LlamaConfig(family, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim,
                intermediateSize, positions, rmsNormEps, ropeTheta, ropeScaling, tieWordEmbeddings, qkvBias,
                outputBias, mlpBias, bosTokenId, eosTokenIds);
    }
}
