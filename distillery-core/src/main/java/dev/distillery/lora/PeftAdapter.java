package dev.distillery.lora;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.io.AtomicFiles;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.DType;
import dev.distillery.io.HfConfig;
import dev.distillery.io.SafetensorsFile;
import dev.distillery.io.SafetensorsWriter;
import dev.distillery.io.TensorInfo;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
import dev.distillery.model.ModelFamily;
import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A LoRA adapter as PEFT saves it ({@code PeftModel.save_pretrained}): a folder with
 * <ul>
 *   <li>{@value #CONFIG}: PEFT's {@code LoraConfig} as JSON (sorted keys, two-space indent):
 *   {@code peft_type} "LORA", {@code task_type} "CAUSAL_LM" or "SEQ_CLS", {@code r},
 *   {@code lora_alpha}, {@code lora_dropout}, {@code target_modules} (module names, or a regular
 *   expression over whole names), {@code bias}, {@code fan_in_fan_out} false,
 *   {@code modules_to_save} (a classifier's head) and {@code base_model_name_or_path};</li>
 *   <li>{@value #WEIGHTS}: the adapter's tensors under PEFT's keys, the model's module name
 *   behind {@value #PREFIX}: {@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}
 *   [r, in], {@code ...lora_B.weight} [out, r], trained biases ({@code ...q_proj.bias}) and a
 *   classifier's saved head ({@code base_model.model.classifier.weight}).</li>
 * </ul>
 * {@link #tensors()} holds them under the model's own names (the keys without the prefix), as
 * {@link LoraModules#loading} places them. A folder is read back only when PEFT could load it the
 * same way: options Distillery does not compute (DoRA, rsLoRA, per-module ranks, fan-in-fan-out
 * layers, embedding adapters) are refused by name.
 *
 * @param targetModules the {@code target_modules} value: a {@code List<String>} or a {@code String} (regex)
 * @param headStems     modules saved whole ({@code modules_to_save}), as the model names them
 */
public record PeftAdapter(int rank, float alpha, float dropout, LoraConfig.Bias bias, Object targetModules,
                          String taskType, String baseModel, List<String> headStems, Map<String, Tensor> tensors) {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    /** What PEFT puts before a module name: the PeftModel's {@code base_model} (a LoraModel) and its {@code model}. */
    public static final String PREFIX = "base_model.model.";
    public static final String CAUSAL_LM = "CAUSAL_LM";
    public static final String SEQ_CLS = "SEQ_CLS";
    static final String LORA_A = ".lora_A.weight";
    static final String LORA_B = ".lora_B.weight";
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

    public PeftAdapter {
        headStems = List.copyOf(headStems);
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /**
     * The adapter of a model built by {@link LoraModules#training}: its trained parameters (every
     * adapter's A and B, trained biases, head modules) under their own names, and the
     * {@code target_modules} that selects exactly the adapted projections of {@code config}'s family.
     *
     * @param baseModel what {@code base_model_name_or_path} records (the base folder as the user named it)
     */
    public static PeftAdapter of(ModelConfig config, LoraConfig lora, String baseModel, List<Parameter> trained) {
        ModelFamily family = ModelFamilies.of(config);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Parameter p : trained) {
            tensors.put(p.name(), p.value());
        }
        Map<String, List<String>> all = family.adapterTargets(config);
        Map<String, List<String>> chosen = new LinkedHashMap<>();
        for (String role : lora.targets()) {
            chosen.put(role, all.get(role));
        }
        List<String> heads = family.headModules(config).stream()
                .filter(h -> tensors.containsKey(h + ".weight")).toList();
        String task = heads.isEmpty() ? CAUSAL_LM : SEQ_CLS;
        return new PeftAdapter(lora.rank(), lora.alpha(), lora.dropout(), lora.bias(),
                PeftTargets.targetModules(chosen, linearStems(config)), task, baseModel, heads, tensors);
    }

    /** Every projection stem of a model of {@code config}: the candidates PEFT's matching runs over. */
    static List<String> linearStems(ModelConfig config) {
        List<String> stems = new ArrayList<>();
        ModelFamilies.of(config).tensorShapes(config).forEach((name, shape) -> {
            if (shape.length == 2 && name.endsWith(".weight")) {
                stems.add(name.substring(0, name.length() - ".weight".length()));
            }
        });
        return stems;
    }

    /** Stems with a {@code lora_A} tensor, in file order. */
    public List<String> adaptedStems() {
        return tensors.keySet().stream().filter(n -> n.endsWith(LORA_A))
                .map(n -> n.substring(0, n.length() - LORA_A.length())).toList();
    }

    /**
     * The role of the adapted projection {@code stem} in {@code config}'s family.
     *
     * @throws IllegalArgumentException when the family has no such projection (an adapter of another model)
     */
    public String roleOf(ModelConfig config, String stem) {
        for (Map.Entry<String, List<String>> e : ModelFamilies.of(config).adapterTargets(config).entrySet()) {
            if (e.getValue().contains(stem)) {
                return e.getKey();
            }
        }
        throw new IllegalArgumentException("the adapter adapts " + stem + ", which is not a projection a "
                + ModelFamilies.of(config).name() + " model of this shape has: it was made for another base model");
    }

    /** The adapter as a {@link LoraConfig} for {@code config}: the roles its adapted projections play. */
    public LoraConfig loraConfig(ModelConfig config) {
        Set<String> roles = new LinkedHashSet<>();
        for (String stem : adaptedStems()) {
            roles.add(roleOf(config, stem));
        }
        List<String> ordered = ModelFamilies.of(config).adapterTargets(config).keySet().stream()
                .filter(roles::contains).toList();
        return new LoraConfig(rank, alpha, dropout, ordered, bias);
    }

    /** Writes {@value #WEIGHTS}, then {@value #CONFIG}, each atomically. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Tensor> keyed = new LinkedHashMap<>();
        tensors.forEach((name, t) -> keyed.put(PREFIX + name, t));
        SafetensorsWriter.writeFloats(dir.resolve(WEIGHTS), keyed, DType.F32, Map.of("format", "pt"));
        AtomicFiles.writeString(dir.resolve(CONFIG), HfConfig.pretty(configJson()));
    }

    /** {@value #CONFIG} as PEFT writes it, keys sorted. */
    ObjectNode configJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        Map<String, JsonNode> m = new TreeMap<>();
        m.put("alpha_pattern", f.objectNode());
        m.put("base_model_name_or_path", baseModel == null ? f.nullNode() : f.textNode(baseModel));
        m.put("bias", f.textNode(bias.id()));
        m.put("fan_in_fan_out", f.booleanNode(false));
        m.put("inference_mode", f.booleanNode(true));
        m.put("init_lora_weights", f.booleanNode(true));
        m.put("layers_pattern", f.nullNode());
        m.put("layers_to_transform", f.nullNode());
        m.put("lora_alpha", alpha == Math.rint(alpha) ? f.numberNode((int) alpha) : f.numberNode(exact(alpha)));
        m.put("lora_dropout", f.numberNode(exact(dropout)));
        if (headStems.isEmpty()) {
            m.put("modules_to_save", f.nullNode());
        } else {
            ArrayNode a = f.arrayNode();
            headStems.forEach(a::add);
            m.put("modules_to_save", a);
        }
        m.put("peft_type", f.textNode("LORA"));
        m.put("r", f.numberNode(rank));
        m.put("rank_pattern", f.objectNode());
        m.put("revision", f.nullNode());
        if (targetModules instanceof String regex) {
            m.put("target_modules", f.textNode(regex));
        } else {
            ArrayNode a = f.arrayNode();
            ((List<?>) targetModules).forEach(t -> a.add((String) t));
            m.put("target_modules", a);
        }
        m.put("task_type", f.textNode(taskType));
        m.put("use_dora", f.booleanNode(false));
        m.put("use_rslora", f.booleanNode(false));
        ObjectNode o = f.objectNode();
        m.forEach(o::set);
        return o;
    }

    /** The shortest decimal that reads back as the same float (0.05f is written 0.05). */
    private static double exact(float v) {
        return Double.parseDouble(Float.toString(v));
    }

    /** True when {@code dir} holds a PEFT adapter ({@value #CONFIG}). */
    public static boolean isAdapter(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG));
    }

    /**
     * Reads a PEFT LoRA adapter folder.
     *
     * @throws CheckpointFormatException naming the file and field when it is not a LoRA adapter
     *                                   Distillery computes exactly
     */
    public static PeftAdapter read(Path dir) throws IOException {
        Path configFile = dir.resolve(CONFIG);
        if (!Files.isRegularFile(configFile)) {
            throw new NoSuchFileException(configFile.toString(), null, "not a PEFT adapter folder (no " + CONFIG + ")");
        }
        JsonNode root;
        try {
            root = JSON.readTree(configFile.toFile());
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(configFile + " is not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointFormatException(configFile + " must hold a JSON object");
        }
        String type = text(root, "peft_type", null, configFile);
        if (!"LORA".equals(type)) {
            throw new CheckpointFormatException(configFile + ": peft_type is " + type + "; only LORA adapters are read");
        }
        refuse(root, "use_dora", configFile, "DoRA");
        refuse(root, "use_rslora", configFile, "rank-stabilised scaling (α/√r)");
        refuse(root, "fan_in_fan_out", configFile, "fan-in-fan-out (Conv1D) layers");
        for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
            JsonNode p = root.get(pattern);
            if (p != null && !p.isNull() && !(p.isObject() && p.isEmpty())) {
                throw new CheckpointFormatException(configFile + ": " + pattern + " sets per-module values, which are "
                        + "not supported; one r and lora_alpha for every module");
            }
        }
        int r = integer(root, "r", configFile);
        float alpha = (float) number(root, "lora_alpha", 8, configFile);
        float dropout = (float) number(root, "lora_dropout", 0, configFile);
        LoraConfig.Bias bias;
        try {
            bias = LoraConfig.Bias.fromId(text(root, "bias", "none", configFile));
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(configFile + ": " + e.getMessage());
        }
        JsonNode tm = root.get("target_modules");
        Object targets;
        if (tm != null && tm.isTextual()) {
            targets = tm.textValue();
        } else if (tm != null && tm.isArray()) {
            List<String> list = new ArrayList<>();
            tm.forEach(n -> list.add(n.asText()));
            targets = list;
        } else {
            throw new CheckpointFormatException(configFile + ": target_modules must be a list of module names or a "
                    + "regular expression");
        }
        List<String> heads = new ArrayList<>();
        JsonNode mts = root.get("modules_to_save");
        if (mts != null && mts.isArray()) {
            mts.forEach(n -> heads.add(n.asText()));
        }
        String task = text(root, "task_type", CAUSAL_LM, configFile);
        String base = root.hasNonNull("base_model_name_or_path") ? root.get("base_model_name_or_path").asText() : null;

        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(weights)) {
            throw new NoSuchFileException(weights.toString(), null, "the adapter folder has no " + WEIGHTS);
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (SafetensorsFile st = SafetensorsFile.open(weights)) {
            for (TensorInfo info : st.tensors()) {
                String key = info.name();
                if (!key.startsWith(PREFIX)) {
                    throw new CheckpointFormatException(weights + ": tensor '" + key + "' is not under PEFT's prefix "
                            + PREFIX);
                }
                if (key.contains("lora_embedding_") || key.contains("lora_magnitude_vector")) {
                    throw new CheckpointFormatException(weights + ": tensor '" + key + "' belongs to an embedding or "
                            + "DoRA adapter, which is not supported");
                }
                if (!info.dtype().isFloating()) {
                    throw new CheckpointFormatException(weights + ": tensor '" + key + "' has dtype " + info.dtype());
                }
                tensors.put(key.substring(PREFIX.length()), st.toTensor(key));
            }
        }
        PeftAdapter a = new PeftAdapter(r, alpha, dropout, bias, targets, task, base, heads, tensors);
        a.checkShapes(weights);
        return a;
    }

    /** Every lora_A has its lora_B, of rank r, and the adapted modules are ones target_modules selects. */
    private void checkShapes(Path weights) throws CheckpointFormatException {
        if (adaptedStems().isEmpty()) {
            throw new CheckpointFormatException(weights + " holds no lora_A tensor");
        }
        for (String stem : adaptedStems()) {
            Tensor a = tensors.get(stem + LORA_A);
            Tensor b = tensors.get(stem + LORA_B);
            if (b == null) {
                throw new CheckpointFormatException(weights + " has " + PREFIX + stem + LORA_A + " but no " + LORA_B);
            }
            if (a.rank() != 2 || b.rank() != 2 || a.dim(0) != rank || b.dim(1) != rank) {
                throw new CheckpointFormatException(weights + ": " + stem + " has lora_A " + Arrays.toString(a.shape())
                        + " and lora_B " + Arrays.toString(b.shape()) + "; with r = " + rank + " they must be [" + rank
                        + ", in] and [out, " + rank + "]");
            }
            boolean selected = targetModules instanceof String regex ? PeftTargets.matches(regex, stem)
                    : PeftTargets.matches(listTargets(), stem);
            if (!selected) {
                throw new CheckpointFormatException(weights + " adapts " + stem + ", which its target_modules "
                        + targetModules + " does not select");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private List<String> listTargets() {
        return (List<String>) targetModules;
    }

    private static void refuse(JsonNode root, String field, Path file, String what) throws CheckpointFormatException {
        JsonNode n = root.get(field);
        if (n != null && n.asBoolean(false)) {
            throw new CheckpointFormatException(file + ": " + field + " is true, but " + what + " is not supported");
        }
    }

    private static String text(JsonNode root, String field, String fallback, Path file)
            throws CheckpointFormatException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            if (fallback == null) {
                throw new CheckpointFormatException(file + " has no \"" + field + "\"");
            }
            return fallback;
        }
        if (!n.isTextual()) {
            throw new CheckpointFormatException(file + ": \"" + field + "\" must be text, found " + n);
        }
        return n.textValue();
    }

    private static int integer(JsonNode root, String field, Path file) throws CheckpointFormatException {
        JsonNode n = root.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 1) {
            throw new CheckpointFormatException(file + ": \"" + field + "\" must be a positive integer, found " + n);
        }
        return n.intValue();
    }

    private static double number(JsonNode root, String field, double fallback, Path file)
            throws CheckpointFormatException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isNumber()) {
            throw new CheckpointFormatException(file + ": \"" + field + "\" must be a number, found " + n);
        }
        return n.doubleValue();
    }
}
