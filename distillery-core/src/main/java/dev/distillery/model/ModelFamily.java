package dev.distillery.model;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;

/**
 * One model architecture, kept in its own sub-package ({@code model.bert}, {@code model.distilbert},
 * {@code model.llama}) and found through {@link ModelFamilies} by the {@code model_type} of a Hugging
 * Face config. A family is the only place that knows its architecture: it parses and writes its
 * config, holds the one table of its checkpoints' tensor names, builds its blocks and its heads.
 * Everything else (weight naming in {@code io}, pruning, ONNX, student construction, the command
 * line) asks the family instead of testing which family a model is.
 *
 * <p>Families are stateless singletons. Adding one: see {@code docs/model-families.md}.
 */
public interface ModelFamily {
    /** The family's {@code model_type}, e.g. {@code "bert"}. */
    String name();

    /** Every {@code model_type} this family reads; the first is {@link #name()}. */
    default List<String> modelTypes() {
        return List.of(name());
    }

    /**
     * The config of a Hugging Face {@code config.json} of this family.
     *
     * @param labels      class names from {@code id2label}/{@code num_labels}, empty when not a classifier
     * @param prunedHeads {@code pruned_heads}, already parsed (layer → removed head indices)
     * @throws InvalidConfigException naming the file and field when the config cannot be built
     */
    ModelConfig readConfig(ConfigFields fields, List<String> labels, Map<Integer, List<Integer>> prunedHeads);

    /**
     * The architecture-specific fields of {@code config.json} for {@code config} (the architecture
     * class, sizes, activation, ...); labels, pruned heads, dtype and versions are added by the writer.
     */
    ObjectNode writeConfig(ModelConfig config, ObjectNode into);

    /**
     * The one table of tensor names: every canonical name of a checkpoint of {@code config} and its
     * PyTorch shape, in the order PyTorch registers them (linear weights [out, in]).
     */
    Map<String, int[]> tensorShapes(ModelConfig config);

    /**
     * The canonical name of a tensor as found in a file (a bare encoder checkpoint drops the model
     * prefix, old TensorFlow conversions say gamma/beta); unknown names are returned unchanged.
     */
    String canonicalName(ModelConfig config, String nameInFile);

    /**
     * True for tensors a checkpoint may carry that hold no learned weights of this model (buffers
     * such as BERT's {@code position_ids}, Llama's {@code rotary_emb.inv_freq}); readers drop them.
     */
    boolean isBuffer(String canonicalName);

    /**
     * The prefix of backbone tensors in a task model's checkpoint ({@code "bert."},
     * {@code "model."}); a bare backbone checkpoint stores them without it.
     */
    String weightPrefix();

    /** True for tensors of a pretraining head that fine-tuning a pretrained checkpoint drops (BERT's {@code cls.*}). */
    default boolean isPretrainingHead(String name) {
        return false;
    }

    /**
     * A sequence classifier of {@code config} (which has labels) with its modules from
     * {@code modules}: trainable when they are random, frozen over a checkpoint's weights otherwise.
     *
     * @throws UnsupportedOperationException when the family has no sequence-classification head
     */
    default SequenceClassifier classifier(ModelConfig config, ModuleSource modules) {
        throw new UnsupportedOperationException(name() + " models have no sequence-classification head here");
    }

    /**
     * A causal language model of {@code config} with its modules from {@code modules}.
     *
     * @throws UnsupportedOperationException when the family has no causal-LM head
     */
    default CausalLanguageModel causalLm(ModelConfig config, ModuleSource modules) {
        throw new UnsupportedOperationException(name() + " models have no causal language-modelling head");
    }

    /** The canonical stem of the token embedding, e.g. {@code model.embed_tokens}. */
    String tokenEmbedding(ModelConfig config);

    /**
     * The canonical stem of the output layer that maps hidden states to vocabulary logits (the
     * token embedding when tied), or null for a family without one (an encoder).
     */
    default String outputLayer(ModelConfig config) {
        return null;
    }

    /** The beginning-of-sequence id a generating model's config names, or −1. */
    default int bosTokenId(ModelConfig config) {
        return -1;
    }

    /** The end-of-sequence ids a generating model's config names. */
    default List<Integer> eosTokenIds(ModelConfig config) {
        return List.of();
    }

    /**
     * The projections a low-rank adapter (LoRA) may target, by role, in the order PEFT lists a
     * model's modules: the role's name as a user gives it (Llama's {@code "q"}, BERT's
     * {@code "query"}) → the canonical stem of that projection in each layer, in layer order.
     * Empty for a family that offers none.
     */
    default Map<String, List<String>> adapterTargets(ModelConfig config) {
        return Map.of();
    }

    /**
     * The stems of the task head's modules that a parameter-efficient fine-tune of a sequence
     * classifier trains in full and saves beside the adapter (PEFT's {@code modules_to_save}):
     * the classifier, and any head layer that is not part of the pretrained backbone.
     */
    default List<String> headModules(ModelConfig config) {
        return List.of();
    }

    /** The projections of layer {@code layer} of a task model of {@code config}, under canonical names. */
    LayerTensors layerTensors(ModelConfig config, int layer);

    /**
     * Why the matrix {@code canonicalName} stays unquantized whatever scheme post-training
     * quantization and quantization-aware training use (e.g. "head or token types"), or null when
     * they may pack it.
     */
    String keptUnquantized(String canonicalName);

    /** The {@code tokenizer_class} a checkpoint of this family names in {@code tokenizer_config.json}. */
    String tokenizerClass();

    /** A short description of the architecture for {@code inspect}, e.g. "BERT encoder, 6 layers, hidden 384". */
    String describe(ModelConfig config);
}
