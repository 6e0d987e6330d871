package dev.distillery.model;

import dev.distillery.nn.EncoderBlock;

/**
 * A family whose backbone is a post-LN {@link Encoder} and whose task head is a pooled
 * {@link ClassificationHead}: BERT and DistilBERT. The family gives the pieces that differ (tensor
 * names, dropout placement, head activation, token types, tokenizer class); the shared encoder,
 * classifier, ONNX exporter and pruning code are written once over them.
 */
public interface EncoderFamily extends ModelFamily {
    /** The one table of this family's tensor names. */
    EncoderNames names();

    @Override
    default String weightPrefix() {
        return names().prefix();
    }

    @Override
    default boolean isPretrainingHead(String name) {
        return names().isPretrainingHead(name);
    }

    @Override
    default java.util.Map<String, int[]> tensorShapes(ModelConfig config) {
        return names().shapes(config);
    }

    @Override
    default String canonicalName(ModelConfig config, String nameInFile) {
        return names().canonical(nameInFile);
    }

    @Override
    default boolean isBuffer(String canonicalName) {
        return names().isBuffer(canonicalName);
    }

    @Override
    default LayerTensors layerTensors(ModelConfig config, int layer) {
        EncoderNames.Layer n = names().layer(layer);
        return new LayerTensors(n.stem(), n.qkv(), n.attentionOut(), java.util.List.of(n.intermediate()), n.output());
    }

    /**
     * The pooled head and the token-type table stay FP32: they are a few kilobytes, and the head's
     * errors land directly on the logits.
     */
    @Override
    default String keptUnquantized(String canonicalName) {
        EncoderNames n = names();
        if (canonicalName.startsWith(n.classifier() + ".") || canonicalName.startsWith(n.headDense() + ".")) {
            return "head";
        }
        return canonicalName.equals(n.prefix() + EncoderNames.TYPES + ".weight") ? "token types" : null;
    }

    /**
     * The six projections of every layer: {@code query}, {@code key}, {@code value},
     * {@code attention_output}, {@code intermediate} and {@code output}, from {@link #names()}.
     */
    @Override
    default java.util.Map<String, java.util.List<String>> adapterTargets(ModelConfig config) {
        java.util.Map<String, java.util.List<String>> roles = new java.util.LinkedHashMap<>();
        for (String role : java.util.List.of("query", "key", "value", "attention_output", "intermediate", "output")) {
            roles.put(role, new java.util.ArrayList<>());
        }
        for (int i = 0; i < config.numLayers(); i++) {
            EncoderNames.Layer l = names().layer(i);
            java.util.List<String> stems = l.projections(); // Q, K, V, attention output, intermediate, output
            int j = 0;
            for (java.util.List<String> list : roles.values()) {
                list.add(stems.get(j++));
            }
        }
        return roles;
    }

    /** The classifier, and the pooled head's dense layer when it is not part of the encoder (DistilBERT's). */
    @Override
    default java.util.List<String> headModules(ModelConfig config) {
        EncoderNames n = names();
        return n.headInEncoder() ? java.util.List.of(n.classifier()) : java.util.List.of(n.headDense(), n.classifier());
    }

    @Override
    default String tokenEmbedding(ModelConfig config) {
        return names().prefix() + EncoderNames.WORDS;
    }

    /** The encoder and its pooled head, modules built in Hugging Face's order under the family's names. */
    @Override
    default SequenceClassifier classifier(ModelConfig config, ModuleSource modules) {
        EncoderConfig c = (EncoderConfig) config;
        EncoderNames n = names();
        Encoder encoder = Encoder.build(c, modules, n.prefix());
        int h = c.hiddenSize();
        ClassificationHead head = new ClassificationHead(modules.linear(n.headDense(), h, h), headActivation(),
                c.classifierDropout(), modules.linear(n.classifier(), h, c.numLabels()));
        return new SequenceClassifier(encoder, head);
    }

    @Override
    EncoderConfig readConfig(ConfigFields fields, java.util.List<String> labels,
                             java.util.Map<Integer, java.util.List<Integer>> prunedHeads);

    /**
     * Block {@code layer} of an encoder of {@code config}, its modules taken from {@code modules}
     * under this family's names below {@code prefix} (the family's prefix, or "" for a bare encoder).
     */
    EncoderBlock block(EncoderConfig config, int layer, ModuleSource modules, String prefix);

    /** The activation between the pooled head's dense layer and the classifier (tanh for BERT's pooler). */
    ClassificationHead.Activation headActivation();

    /**
     * The config of a student of {@code teacher}'s family-independent settings (LayerNorm ε,
     * dropouts, labels) with the given shape, in this family.
     */
    EncoderConfig studentConfig(EncoderConfig teacher, int vocabSize, int hiddenSize, int layers, int heads,
                                int intermediateSize, int maxPositions);
}
