package dev.distillery.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Hugging Face tensor names of an encoder family, as PyTorch's {@code state_dict()} spells them:
 * each family declares one of these, and it is the only place its checkpoint names appear. Weight
 * naming in {@code io}, pruning's tensor lists, the ONNX exporter and the student factory all read
 * it; the family's block builder takes its modules under these names.
 *
 * <p>Canonical names are those of the {@code *ForSequenceClassification} class: encoder tensors
 * under {@link #prefix()}, head tensors at top level unless the head lives in the encoder (BERT's
 * pooler, {@code bert.pooler.dense}). A bare encoder checkpoint ({@code BertModel.save_pretrained})
 * has the encoder names without the prefix. Stems omit {@code .weight}/{@code .bias}.
 *
 * @param prefix           encoder tensors' prefix in a classifier, e.g. {@code "bert."}
 * @param layers           stem of layer i's tensors is {@code layers + i + "."}, e.g. {@code "encoder.layer."}
 * @param query            Q projection, relative to the layer's stem; so are the next seven
 * @param attentionNorm    the LayerNorm after attention
 * @param intermediate     the first feed-forward projection, [ffn, hidden]
 * @param output           the second feed-forward projection, [hidden, ffn]
 * @param outputNorm       the LayerNorm after the feed-forward block
 * @param tokenTypes       whether the embeddings include {@code token_type_embeddings}
 * @param headDense        the pooled head's dense layer, canonical (e.g. {@code "bert.pooler.dense"}, {@code "pre_classifier"})
 * @param classifier       the classification layer, canonical
 * @param pretrainingHeads name prefixes of pretraining heads a pretrained checkpoint may carry and
 *                         fine-tuning drops (BERT's {@code cls.}, DistilBERT's {@code vocab_})
 */
public record EncoderNames(String prefix, String layers, String query, String key, String value, String attentionOut,
                           String attentionNorm, String intermediate, String output, String outputNorm,
                           boolean tokenTypes, String headDense, String classifier, List<String> pretrainingHeads) {
    public static final String WORDS = "embeddings.word_embeddings";
    public static final String POSITIONS = "embeddings.position_embeddings";
    public static final String TYPES = "embeddings.token_type_embeddings";
    public static final String EMBEDDING_NORM = "embeddings.LayerNorm";

    public EncoderNames {
        pretrainingHeads = List.copyOf(pretrainingHeads);
    }

    /**
     * The full stems of layer {@code index} of a model whose encoder tensors are under
     * {@code modelPrefix} ({@link #prefix()} in a classifier, "" in a bare encoder).
     */
    public record Layer(String stem, String query, String key, String value, String attentionOut,
                        String attentionNorm, String intermediate, String output, String outputNorm) {
        /** Q, K, V: the parts of the fused attention input projection. */
        public List<String> qkv() {
            return List.of(query, key, value);
        }

        /** All six projections: Q, K, V, attention output, intermediate, output. */
        public List<String> projections() {
            return List.of(query, key, value, attentionOut, intermediate, output);
        }
    }

    public Layer layer(String modelPrefix, int index) {
        String s = modelPrefix + layers + index + ".";
        return new Layer(s, s + query, s + key, s + value, s + attentionOut, s + attentionNorm, s + intermediate,
                s + output, s + outputNorm);
    }

    /** Layer {@code index} under the canonical prefix. */
    public Layer layer(int index) {
        return layer(prefix, index);
    }

    /** True when the pooled head's dense layer belongs to the encoder (it is under the prefix). */
    public boolean headInEncoder() {
        return headDense.startsWith(prefix);
    }

    /**
     * Canonical names to shapes, in the order PyTorch registers them. Head tensors are included
     * when the config has labels; a head that belongs to the encoder always is (BERT's pooler is
     * part of {@code BertModel}). A layer with pruned heads has narrower attention projections.
     */
    public Map<String, int[]> shapes(ModelConfig c) {
        Map<String, int[]> m = new LinkedHashMap<>();
        int h = c.hiddenSize();
        int ff = c.intermediateSize();
        m.put(prefix + WORDS + ".weight", new int[] {c.vocabSize(), h});
        m.put(prefix + POSITIONS + ".weight", new int[] {c.maxPositions(), h});
        if (tokenTypes) {
            m.put(prefix + TYPES + ".weight", new int[] {((EncoderConfig) c).typeVocabSize(), h});
        }
        vector(m, prefix + EMBEDDING_NORM, h);
        for (int i = 0; i < c.numLayers(); i++) {
            Layer l = layer(i);
            int a = c.attentionWidth(i);
            linear(m, l.query(), a, h);
            linear(m, l.key(), a, h);
            linear(m, l.value(), a, h);
            linear(m, l.attentionOut(), h, a);
            vector(m, l.attentionNorm(), h);
            linear(m, l.intermediate(), ff, h);
            linear(m, l.output(), h, ff);
            vector(m, l.outputNorm(), h);
        }
        if (headInEncoder() || c.numLabels() > 0) {
            linear(m, headDense, h, h);
        }
        if (c.numLabels() > 0) {
            linear(m, classifier, c.numLabels(), h);
        }
        return m;
    }

    private static void linear(Map<String, int[]> m, String name, int out, int in) {
        m.put(name + ".weight", new int[] {out, in});
        m.put(name + ".bias", new int[] {out});
    }

    private static void vector(Map<String, int[]> m, String name, int h) {
        m.put(name + ".weight", new int[] {h});
        m.put(name + ".bias", new int[] {h});
    }

    /** True for tensors of a head at top level (no prefix in either layout). */
    public boolean isTopLevelHead(String canonicalName) {
        return canonicalName.startsWith(classifier + ".")
                || (!headInEncoder() && canonicalName.startsWith(headDense + "."));
    }

    /** True for tensors of a pretraining head ({@link #pretrainingHeads()}), prefixed or not. */
    public boolean isPretrainingHead(String name) {
        String bare = name.startsWith(prefix) ? name.substring(prefix.length()) : name;
        return pretrainingHeads.stream().anyMatch(bare::startsWith);
    }

    /**
     * The canonical name of {@code name} as found in a file: a bare encoder name gets the prefix;
     * names already prefixed, head names and unknown names are returned unchanged.
     */
    public String canonical(String name) {
        if (name.startsWith(prefix) || isTopLevelHead(name)) {
            return name;
        }
        boolean encoderName = name.startsWith("embeddings.") || name.startsWith(layers)
                || (headInEncoder() && name.startsWith(headDense.substring(prefix.length()) + "."));
        return encoderName ? prefix + name : name;
    }

    /** {@code canonicalName} without the prefix: how a bare encoder checkpoint stores it. */
    public String bare(String canonicalName) {
        return canonicalName.startsWith(prefix) ? canonicalName.substring(prefix.length()) : canonicalName;
    }

    /** The buffer some checkpoints store beside the weights (older transformers saved BERT's {@code position_ids}). */
    public boolean isBuffer(String canonicalName) {
        return canonicalName.endsWith("embeddings.position_ids");
    }
}
