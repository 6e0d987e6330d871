package dev.distillery.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.model.EncoderConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Maps a Hugging Face {@code config.json} to and from {@link EncoderConfig}, for BERT
 * ({@code BertConfig} field names) and DistilBERT ({@code DistilBertConfig} names: dim, n_layers,
 * n_heads, hidden_dim, ...). Missing size fields take the transformers defaults, as
 * {@code from_pretrained} does; fields naming an architecture Distillery does not implement (an
 * activation other than exact GELU, relative position embeddings, sinusoidal DistilBERT
 * positions) are rejected.
 *
 * <p>Labels: a config whose {@code architectures} names a {@code *ForSequenceClassification}
 * class gets its labels from {@code id2label} (ordered by id), else from {@code num_labels} as
 * {@code LABEL_i}, else the transformers default of two; any other architecture is an encoder
 * without a head and gets no labels. Without {@code architectures}, {@code id2label} decides.
 */
public final class HfConfig {
    /** The transformers release whose file layout the writer follows. */
    public static final String TRANSFORMERS_VERSION = "4.44.2";
    /** DistilBERT's LayerNorm epsilon, fixed in its code rather than in its config. */
    public static final float DISTILBERT_LAYER_NORM_EPS = 1e-12f;

    static final ObjectMapper JSON = JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

    private HfConfig() {
    }

    /** Reads {@code config.json} (or any file of that format). */
    public static EncoderConfig read(Path configFile) throws IOException {
        String file = configFile.toString();
        if (!Files.isRegularFile(configFile)) {
            throw new NoSuchFileException(file, null, "config.json not found");
        }
        JsonNode root;
        try {
            root = JSON.readTree(configFile.toFile());
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(file + " is not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointFormatException(file + " must hold a JSON object");
        }
        return fromJson((ObjectNode) root, file);
    }

    /** Parses a config object; {@code file} names it in error messages. */
    public static EncoderConfig fromJson(ObjectNode json, String file) throws CheckpointFormatException {
        Fields f = new Fields(json, file);
        String modelType = f.string("model_type", null);
        if (modelType == null) {
            throw new CheckpointFormatException(file + " has no \"model_type\"; expected \"bert\" or \"distilbert\"");
        }
        List<String> labels = labels(f, json);
        SortedMap<Integer, List<Integer>> prunedHeads = prunedHeads(json, file);
        EncoderConfig config;
        switch (modelType) {
            case "bert" -> {
                String act = f.string("hidden_act", "gelu");
                if (!act.equals("gelu")) {
                    throw new CheckpointFormatException(file + ": hidden_act is \"" + act
                            + "\", but only \"gelu\" (exact, erf-based) is supported");
                }
                String positions = f.string("position_embedding_type", "absolute");
                if (!positions.equals("absolute")) {
                    throw new CheckpointFormatException(file + ": position_embedding_type is \"" + positions
                            + "\", but only \"absolute\" is supported");
                }
                float hiddenDropout = f.number("hidden_dropout_prob", 0.1f);
                Float classifierDropout = f.nullableNumber("classifier_dropout");
                config = build(file, "bert", f.positiveInt("vocab_size", 30522), f.positiveInt("hidden_size", 768),
                        f.nonNegativeInt("num_hidden_layers", 12), f.positiveInt("num_attention_heads", 12),
                        f.positiveInt("intermediate_size", 3072), f.positiveInt("max_position_embeddings", 512),
                        f.nonNegativeInt("type_vocab_size", 2), f.number("layer_norm_eps", 1e-12f), hiddenDropout,
                        f.number("attention_probs_dropout_prob", 0.1f),
                        classifierDropout == null ? hiddenDropout : classifierDropout, labels, prunedHeads);
            }
            case "distilbert" -> {
                String act = f.string("activation", "gelu");
                if (!act.equals("gelu")) {
                    throw new CheckpointFormatException(file + ": activation is \"" + act
                            + "\", but only \"gelu\" (exact, erf-based) is supported");
                }
                JsonNode sinusoidal = json.get("sinusoidal_pos_embds");
                if (sinusoidal != null && !sinusoidal.isNull() && (!sinusoidal.isBoolean() || sinusoidal.booleanValue())) {
                    throw new CheckpointFormatException(file + ": sinusoidal_pos_embds is " + sinusoidal
                            + ", but only learned position embeddings (false) are supported");
                }
                config = build(file, "distilbert", f.positiveInt("vocab_size", 30522), f.positiveInt("dim", 768),
                        f.nonNegativeInt("n_layers", 6), f.positiveInt("n_heads", 12), f.positiveInt("hidden_dim", 3072),
                        f.positiveInt("max_position_embeddings", 512), 0, DISTILBERT_LAYER_NORM_EPS,
                        f.number("dropout", 0.1f), f.number("attention_dropout", 0.1f),
                        f.number("seq_classif_dropout", 0.2f), labels, prunedHeads);
            }
            default -> throw new CheckpointFormatException(file + ": model_type \"" + modelType
                    + "\" is not supported; expected \"bert\" or \"distilbert\"");
        }
        return config;
    }

    private static EncoderConfig build(String file, String family, int vocab, int hidden, int layers, int heads, int ff,
            int positions, int typeVocab, float eps, float hiddenDropout, float attentionDropout, float classifierDropout,
            List<String> labels, SortedMap<Integer, List<Integer>> prunedHeads) throws CheckpointFormatException {
        try {
            return new EncoderConfig(family, vocab, hidden, layers, heads, ff, positions, typeVocab, eps, hiddenDropout,
                    attentionDropout, classifierDropout, labels, prunedHeads);
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * transformers' {@code pruned_heads}: an object from layer index (a decimal string, as
     * {@code json.dumps} writes int keys) to the removed heads' indices; absent or null means none.
     * Ranges are checked by {@link EncoderConfig}.
     */
    private static SortedMap<Integer, List<Integer>> prunedHeads(ObjectNode json, String file)
            throws CheckpointFormatException {
        SortedMap<Integer, List<Integer>> out = new TreeMap<>();
        JsonNode node = json.get("pruned_heads");
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw new CheckpointFormatException(file + ": field \"pruned_heads\" must be an object from layer index to a list "
                    + "of head indices, found " + node);
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            int layer;
            try {
                layer = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw new CheckpointFormatException(file + ": pruned_heads key \"" + e.getKey()
                        + "\" is not a layer index", ex);
            }
            if (!e.getValue().isArray()) {
                throw new CheckpointFormatException(file + ": pruned_heads of layer " + layer
                        + " must be a list of head indices, found " + e.getValue());
            }
            List<Integer> heads = new ArrayList<>();
            for (JsonNode h : e.getValue()) {
                if (!h.isIntegralNumber() || !h.canConvertToInt()) {
                    throw new CheckpointFormatException(file + ": pruned_heads of layer " + layer
                            + " holds " + h + ", not a head index");
                }
                heads.add(h.intValue());
            }
            if (out.put(layer, heads) != null) {
                throw new CheckpointFormatException(file + ": pruned_heads names layer " + layer + " twice");
            }
        }
        return out;
    }

    private static List<String> labels(Fields f, ObjectNode json) throws CheckpointFormatException {
        JsonNode architectures = json.get("architectures");
        boolean classifier;
        if (architectures == null || architectures.isNull()) {
            classifier = json.has("id2label");
        } else {
            if (!architectures.isArray()) {
                throw new CheckpointFormatException(f.file + ": \"architectures\" must be an array of class names");
            }
            classifier = false;
            for (JsonNode a : architectures) {
                classifier |= a.isTextual() && a.textValue().endsWith("ForSequenceClassification");
            }
        }
        if (!classifier) {
            return List.of();
        }
        JsonNode id2label = json.get("id2label");
        if (id2label != null && !id2label.isNull()) {
            if (!id2label.isObject()) {
                throw new CheckpointFormatException(f.file + ": \"id2label\" must be an object from ids to names");
            }
            TreeMap<Integer, String> byId = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : id2label.properties()) {
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw new CheckpointFormatException(f.file + ": id2label key \"" + e.getKey() + "\" is not an integer id");
                }
                if (!e.getValue().isTextual()) {
                    throw new CheckpointFormatException(f.file + ": id2label[" + e.getKey() + "] must be a string");
                }
                byId.put(id, e.getValue().textValue());
            }
            if (byId.isEmpty() || byId.firstKey() != 0 || byId.lastKey() != byId.size() - 1) {
                throw new CheckpointFormatException(f.file + ": id2label ids " + byId.keySet()
                        + " are not 0.." + (byId.size() - 1) + " without gaps");
            }
            return new ArrayList<>(byId.values());
        }
        int n = f.positiveInt("num_labels", 2);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("LABEL_" + i);
        }
        return out;
    }

    /** Typed field access with messages naming the file and field. */
    private static final class Fields {
        final ObjectNode json;
        final String file;

        Fields(ObjectNode json, String file) {
            this.json = json;
            this.file = file;
        }

        String string(String name, String fallback) throws CheckpointFormatException {
            JsonNode n = json.get(name);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isTextual()) {
                throw new CheckpointFormatException(file + ": field \"" + name + "\" must be a string, found " + n);
            }
            return n.textValue();
        }

        int positiveInt(String name, int fallback) throws CheckpointFormatException {
            int v = nonNegativeInt(name, fallback);
            if (v == 0) {
                throw new CheckpointFormatException(file + ": field \"" + name + "\" must be a positive integer, found 0");
            }
            return v;
        }

        int nonNegativeInt(String name, int fallback) throws CheckpointFormatException {
            JsonNode n = json.get(name);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 0) {
                throw new CheckpointFormatException(file + ": field \"" + name
                        + "\" must be a non-negative integer, found " + n);
            }
            return n.intValue();
        }

        float number(String name, float fallback) throws CheckpointFormatException {
            Float v = nullableNumber(name);
            return v == null ? fallback : v;
        }

        Float nullableNumber(String name) throws CheckpointFormatException {
            JsonNode n = json.get(name);
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isNumber() || !Double.isFinite(n.doubleValue()) || n.doubleValue() < 0) {
                throw new CheckpointFormatException(file + ": field \"" + name + "\" must be a non-negative number, found " + n);
            }
            return n.floatValue();
        }
    }

    /**
     * The config.json transformers writes for {@code c}: sorted keys, two-space indent. The
     * architecture is the sequence classifier when {@code c} has labels, else the bare model.
     *
     * @param torchDtype "float32", "float16" or "bfloat16": the dtype of the stored weights
     */
    public static ObjectNode toJson(EncoderConfig c, String torchDtype) {
        ObjectNode o = JSON.createObjectNode();
        boolean head = c.numLabels() > 0;
        ArrayNode arch = o.putArray("architectures");
        if (c.isDistilBert()) {
            arch.add(head ? "DistilBertForSequenceClassification" : "DistilBertModel");
            o.put("activation", "gelu");
            o.put("attention_dropout", exact(c.attentionDropout()));
            o.put("dim", c.hiddenSize());
            o.put("dropout", exact(c.hiddenDropout()));
            o.put("hidden_dim", c.intermediateSize());
            o.put("initializer_range", 0.02);
            o.put("max_position_embeddings", c.maxPositions());
            o.put("model_type", "distilbert");
            o.put("n_heads", c.numHeads());
            o.put("n_layers", c.numLayers());
            o.put("pad_token_id", 0);
            o.put("qa_dropout", 0.1);
            o.put("seq_classif_dropout", exact(c.classifierDropout()));
            o.put("sinusoidal_pos_embds", false);
            o.put("tie_weights_", true);
        } else {
            arch.add(head ? "BertForSequenceClassification" : "BertModel");
            o.put("attention_probs_dropout_prob", exact(c.attentionDropout()));
            o.put("classifier_dropout", exact(c.classifierDropout()));
            o.put("hidden_act", "gelu");
            o.put("hidden_dropout_prob", exact(c.hiddenDropout()));
            o.put("hidden_size", c.hiddenSize());
            o.put("initializer_range", 0.02);
            o.put("intermediate_size", c.intermediateSize());
            o.put("layer_norm_eps", exact(c.layerNormEps()));
            o.put("max_position_embeddings", c.maxPositions());
            o.put("model_type", "bert");
            o.put("num_attention_heads", c.numHeads());
            o.put("num_hidden_layers", c.numLayers());
            o.put("pad_token_id", 0);
            o.put("position_embedding_type", "absolute");
            o.put("type_vocab_size", c.typeVocabSize());
            o.put("use_cache", true);
        }
        if (head) {
            ObjectNode id2label = o.putObject("id2label");
            ObjectNode label2id = o.putObject("label2id");
            for (int i = 0; i < c.numLabels(); i++) {
                id2label.put(Integer.toString(i), c.labels().get(i));
                label2id.put(c.labels().get(i), i);
            }
        }
        if (!c.prunedHeads().isEmpty()) {
            ObjectNode pruned = o.putObject("pruned_heads");
            c.prunedHeads().forEach((layer, heads) -> {
                ArrayNode list = pruned.putArray(Integer.toString(layer));
                heads.forEach(list::add);
            });
        }
        o.put("torch_dtype", torchDtype);
        o.put("transformers_version", TRANSFORMERS_VERSION);
        o.put("vocab_size", c.vocabSize());
        return sorted(o);
    }

    // The shortest decimal that reads back as the same float (0.1f is written 0.1, not 0.10000000149).
    private static double exact(float v) {
        return Double.parseDouble(Float.toString(v));
    }

    private static ObjectNode sorted(ObjectNode o) {
        ObjectNode out = JSON.createObjectNode();
        new TreeMap<>(o.properties().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)))
                .forEach(out::set);
        return out;
    }

    /** Pretty-prints as Python's {@code json.dumps(indent=2)}: two-space indent, "key": value, trailing newline. */
    public static String pretty(JsonNode node) {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        try {
            return JSON.writer(printer).writeValueAsString(node) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    /** Writes {@code config.json} for {@code c} atomically. */
    public static void write(Path configFile, EncoderConfig c, String torchDtype) throws IOException {
        AtomicFiles.writeString(configFile, pretty(toJson(c, torchDtype)));
    }
}
