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
import dev.distillery.model.ConfigFields;
import dev.distillery.model.EncoderConfig;
import dev.distillery.model.EncoderFamily;
import dev.distillery.model.InvalidConfigException;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
import dev.distillery.model.ModelFamily;
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
 * Reads and writes Hugging Face {@code config.json} files for every registered model family: the
 * {@code model_type} picks the family ({@link ModelFamilies}), which parses and writes its own
 * fields; the fields every {@code PretrainedConfig} shares are handled here. Missing size fields
 * take the transformers defaults, as {@code from_pretrained} does; fields naming an architecture a
 * family does not implement are rejected with the file and field named.
 *
 * <p>Labels: a config whose {@code architectures} names a {@code *ForSequenceClassification}
 * class gets its labels from {@code id2label} (ordered by id), else from {@code num_labels} as
 * {@code LABEL_i}, else the transformers default of two; any other architecture is a model
 * without a classification head and gets no labels. Without {@code architectures}, {@code id2label} decides.
 */
public final class HfConfig {
    /** The transformers release whose file layout the writer follows. */
    public static final String TRANSFORMERS_VERSION = "4.44.2";

    static final ObjectMapper JSON = JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

    private HfConfig() {
    }

    /** Reads {@code config.json} (or any file of that format) of an encoder classifier or encoder. */
    public static EncoderConfig read(Path configFile) throws IOException {
        ModelConfig config = readAny(configFile);
        if (config instanceof EncoderConfig e) {
            return e;
        }
        throw new CheckpointFormatException(configFile + " describes a " + config.family() + " model; expected an "
                + "encoder (model_type " + String.join(" or ", encoderTypes()) + ")");
    }

    private static List<String> encoderTypes() {
        return ModelFamilies.all().stream().filter(f -> f instanceof EncoderFamily).map(ModelFamily::name).toList();
    }

    /** Reads {@code config.json} of a model of any registered family. */
    public static ModelConfig readAny(Path configFile) throws IOException {
        String file = configFile.toString();
        if (!Files.isRegularFile(configFile)) {
            throw new NoSuchFileException(file, null, "config.json not found");
        }
        JsonNode root = JsonFiles.read(configFile);
        if (root == null || !root.isObject()) {
            throw new CheckpointFormatException(file + " must hold a JSON object");
        }
        return fromJsonAny((ObjectNode) root, file);
    }

    /** Parses an encoder config object; {@code file} names it in error messages. */
    public static EncoderConfig fromJson(ObjectNode json, String file) throws CheckpointFormatException {
        ModelConfig config = fromJsonAny(json, file);
        if (config instanceof EncoderConfig e) {
            return e;
        }
        throw new CheckpointFormatException(file + " describes a " + config.family() + " model; expected an encoder");
    }

    /** Parses a config object of any registered family; {@code file} names it in error messages. */
    public static ModelConfig fromJsonAny(ObjectNode json, String file) throws CheckpointFormatException {
        try {
            ConfigFields f = new ConfigFields(json, file);
            String modelType = f.string("model_type", null);
            if (modelType == null) {
                throw f.error("no \"model_type\"; expected one of " + String.join(", ", ModelFamilies.modelTypes()));
            }
            ModelFamily family;
            try {
                family = ModelFamilies.byModelType(modelType);
            } catch (InvalidConfigException e) {
                throw f.error(e.getMessage());
            }
            return family.readConfig(f, labels(f, json), prunedHeads(json, file));
        } catch (InvalidConfigException e) {
            throw new CheckpointFormatException(e.getMessage(), e);
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

    private static List<String> labels(ConfigFields f, ObjectNode json) throws CheckpointFormatException {
        JsonNode architectures = json.get("architectures");
        boolean classifier;
        if (architectures == null || architectures.isNull()) {
            classifier = json.has("id2label");
        } else {
            if (!architectures.isArray()) {
                throw new CheckpointFormatException(f.file() + ": \"architectures\" must be an array of class names");
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
                throw new CheckpointFormatException(f.file() + ": \"id2label\" must be an object from ids to names");
            }
            TreeMap<Integer, String> byId = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : id2label.properties()) {
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw new CheckpointFormatException(f.file() + ": id2label key \"" + e.getKey() + "\" is not an integer id");
                }
                if (!e.getValue().isTextual()) {
                    throw new CheckpointFormatException(f.file() + ": id2label[" + e.getKey() + "] must be a string");
                }
                byId.put(id, e.getValue().textValue());
            }
            if (byId.isEmpty() || byId.firstKey() != 0 || byId.lastKey() != byId.size() - 1) {
                throw new CheckpointFormatException(f.file() + ": id2label ids " + byId.keySet()
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

    /**
     * The config.json transformers writes for {@code c}: sorted keys, two-space indent. The
     * architecture is the sequence classifier when {@code c} has labels, else the bare model.
     *
     * @param torchDtype "float32", "float16" or "bfloat16": the dtype of the stored weights
     */
    public static ObjectNode toJson(ModelConfig c, String torchDtype) {
        ObjectNode o = ModelFamilies.of(c).writeConfig(c, JSON.createObjectNode());
        boolean head = c.numLabels() > 0;
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
    public static void write(Path configFile, ModelConfig c, String torchDtype) throws IOException {
        AtomicFiles.writeString(configFile, pretty(toJson(c, torchDtype)));
    }
}
