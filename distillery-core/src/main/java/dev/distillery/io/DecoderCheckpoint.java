package dev.distillery.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.distillery.io.llama2c.Llama2cCheckpoint;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
import dev.distillery.model.ModelFamily;
import dev.distillery.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face folder of a decoder LLM in memory: its config (any family with an output layer,
 * such as Llama or Qwen2) and every weight as an FP32 tensor under its canonical name.
 *
 * <p>The folder holds {@code config.json} and either {@code model.safetensors} or a sharded
 * checkpoint ({@code model.safetensors.index.json} whose {@code weight_map} names the shard of
 * each tensor); weights may be stored as F32, F16, BF16 or F64 and are widened to FP32. Tensor
 * names are checked against the family's table; buffers are dropped and tensors the model does
 * not use are listed in {@link #ignoredTensors()}. {@link #write} produces a folder that
 * transformers' {@code AutoModelForCausalLM} loads.
 *
 * @param tokenizerDir the folder, when it holds a tokenizer file (tokenizer.json), else null
 * @param format       where the weights came from: {@code "hf-folder"} or {@code "llama2.c"}
 */
public record DecoderCheckpoint(Path directory, ModelConfig config, Map<String, Tensor> weights, Path tokenizerDir,
                                List<String> ignoredTensors, String format) {
    public static final String INDEX = "model.safetensors.index.json";

    public DecoderCheckpoint {
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
        ignoredTensors = List.copyOf(ignoredTensors);
    }

    /**
     * The FP32 decoder at {@code path}: a Hugging Face folder ({@link #read}), or a llama2.c
     * checkpoint file or a folder holding one ({@link Llama2cCheckpoint}, its header read as the
     * Llama config it describes), whose folder then is its tokenizer's too.
     *
     * @throws CheckpointFormatException when {@code path} is neither
     */
    public static DecoderCheckpoint load(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such model folder or file");
        }
        if (Files.isDirectory(path) && Files.isRegularFile(path.resolve(Checkpoint.CONFIG))) {
            return read(path);
        }
        Path llama2c = llama2cFile(path);
        if (llama2c == null) {
            throw new CheckpointFormatException(path + " is not a decoder Distillery reads: expected a Hugging Face folder "
                    + "(config.json with model.safetensors or a sharded index) or a llama2.c checkpoint (.bin, with its "
                    + "tok*.bin beside it)");
        }
        Llama2cCheckpoint c = Llama2cCheckpoint.read(llama2c);
        ModelConfig config = HfConfig.fromJsonAny(HfConfig.JSON.valueToTree(c.config().toHfConfig()), llama2c.toString());
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (String name : ModelFamilies.of(config).tensorShapes(config).keySet()) {
            ordered.put(name, c.weights().get(name));
        }
        Path dir = llama2c.toAbsolutePath().getParent();
        return new DecoderCheckpoint(dir, config, ordered, dir, List.of(), "llama2.c");
    }

    /** The llama2.c checkpoint {@code path} is, or holds as a folder; null when it is neither. */
    public static Path llama2cFile(Path path) throws IOException {
        return Files.isDirectory(path) ? Llama2cCheckpoint.checkpointIn(path)
                : Llama2cCheckpoint.isCheckpoint(path) ? path : null;
    }

    /** True when {@code path} holds an FP32 decoder {@link #load} reads. */
    public static boolean isDecoder(Path path) {
        try {
            return isDecoderFolder(path) || llama2cFile(path) != null;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Copies the tokenizer files of a model folder ({@code tokenizer.json}, its config and special
     * tokens, a llama2.c {@code tok*.bin}) to {@code to}, each atomically.
     */
    public static void copyTokenizer(Path from, Path to) throws IOException {
        if (from == null || from.toAbsolutePath().equals(to.toAbsolutePath())) {
            return;
        }
        Files.createDirectories(to);
        try (var files = Files.newDirectoryStream(from, f -> {
            String n = f.getFileName().toString();
            return n.equals(Checkpoint.TOKENIZER_JSON) || n.equals(Checkpoint.TOKENIZER_CONFIG)
                    || n.equals(Checkpoint.SPECIAL_TOKENS) || n.equals("tokenizer.bin")
                    || (n.startsWith("tok") && n.endsWith(".bin"));
        })) {
            for (Path f : files) {
                AtomicFiles.copy(f, to.resolve(f.getFileName().toString()));
            }
        }
    }

    /** True when {@code dir} looks like a decoder folder: a config.json whose family has an output layer. */
    public static boolean isDecoderFolder(Path dir) {
        if (!Files.isRegularFile(dir.resolve(Checkpoint.CONFIG))) {
            return false;
        }
        try {
            ModelConfig c = HfConfig.readAny(dir.resolve(Checkpoint.CONFIG));
            return ModelFamilies.of(c).outputLayer(c) != null;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Reads a decoder folder.
     *
     * @throws CheckpointFormatException naming the file when the config is not a decoder's, a shard
     *                                   is missing, a tensor is missing, doubled or wrongly shaped
     */
    public static DecoderCheckpoint read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "model folder not found");
        }
        Path configFile = dir.resolve(Checkpoint.CONFIG);
        ModelConfig config = HfConfig.readAny(configFile);
        ModelFamily family = ModelFamilies.of(config);
        if (family.outputLayer(config) == null) {
            throw new CheckpointFormatException(configFile + " describes a " + config.family() + " encoder, not a "
                    + "decoder with an output layer");
        }
        Map<String, Path> shardOf = shards(dir);
        Map<Path, List<String>> byShard = new LinkedHashMap<>();
        shardOf.forEach((name, shard) -> byShard.computeIfAbsent(shard, k -> new ArrayList<>()).add(name));
        Map<String, int[]> expected = family.tensorShapes(config);
        Map<String, Tensor> canonical = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Map.Entry<Path, List<String>> e : byShard.entrySet()) {
            try (SafetensorsFile st = SafetensorsFile.open(e.getKey())) {
                for (String stored : e.getValue()) {
                    if (!st.contains(stored)) {
                        throw new CheckpointFormatException(dir.resolve(INDEX) + " places '" + stored + "' in "
                                + e.getKey().getFileName() + ", which does not hold it");
                    }
                    String name = family.canonicalName(config, stored);
                    if (family.isBuffer(name)) {
                        continue;
                    }
                    TensorInfo info = st.info(stored);
                    if (!info.dtype().isFloating()) {
                        throw new CheckpointFormatException(e.getKey() + ": tensor '" + stored + "' has dtype "
                                + info.dtype() + "; model weights must be F32, F16, BF16 or F64");
                    }
                    shapes.put(name, info.shape());
                    if (!expected.containsKey(name)) {
                        continue; // listed below as ignored, never decoded
                    }
                    if (canonical.put(name, st.toTensor(stored)) != null) {
                        throw new CheckpointFormatException(e.getKey() + " holds '" + stored + "' a second time (as "
                                + name + ")");
                    }
                }
            }
        }
        WeightNames.Check check = WeightNames.check(config, shapes);
        if (!check.usable()) {
            throw new CheckpointFormatException(dir + ": the weights do not match " + configFile + ": "
                    + check.describe());
        }
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (String name : expected.keySet()) {
            ordered.put(name, canonical.get(name));
        }
        Path tokenizerDir = Files.isRegularFile(dir.resolve(Checkpoint.TOKENIZER_JSON)) ? dir : null;
        return new DecoderCheckpoint(dir, config, ordered, tokenizerDir, check.unexpected(), "hf-folder");
    }

    /** The safetensors files of a decoder folder: its shards in index order, or the one {@code model.safetensors}. */
    public static List<Path> weightFiles(Path dir) throws IOException {
        return new ArrayList<>(new java.util.LinkedHashSet<>(shards(dir).values()));
    }

    /**
     * The shard file of every tensor of a decoder folder, by its name in the file: from the index,
     * or the single {@code model.safetensors}.
     *
     * @throws CheckpointFormatException when neither exists or the index names a missing shard
     */
    public static Map<String, Path> shards(Path dir) throws IOException {
        Path index = dir.resolve(INDEX);
        if (!Files.isRegularFile(index)) {
            Path single = dir.resolve(Checkpoint.WEIGHTS);
            if (!Files.isRegularFile(single)) {
                throw new CheckpointFormatException(dir + " has neither " + Checkpoint.WEIGHTS + " nor " + INDEX
                        + "; expected a Hugging Face checkpoint folder in safetensors format");
            }
            Map<String, Path> all = new LinkedHashMap<>();
            try (SafetensorsFile st = SafetensorsFile.open(single)) {
                for (TensorInfo t : st.tensors()) {
                    all.put(t.name(), single);
                }
            }
            return all;
        }
        JsonNode root;
        try {
            root = HfConfig.JSON.readTree(index.toFile());
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(index + " is not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new CheckpointFormatException(index + " has no \"weight_map\" object from tensor names to shard files");
        }
        Map<String, Path> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            if (!e.getValue().isTextual() || e.getValue().textValue().contains("/")
                    || e.getValue().textValue().contains("\\")) {
                throw new CheckpointFormatException(index + ": the shard of '" + e.getKey() + "' must be a file name "
                        + "in the folder, found " + e.getValue());
            }
            Path shard = dir.resolve(e.getValue().textValue());
            if (!Files.isRegularFile(shard)) {
                throw new CheckpointFormatException(index + " names shard " + e.getValue().textValue()
                        + ", which is not in " + dir);
            }
            out.put(e.getKey(), shard);
        }
        return out;
    }

    /**
     * Writes {@code config.json} and {@code model.safetensors} ({@code storage}: F32, F16 or BF16),
     * each atomically, config last; the weights must be exactly the family's table. A tokenizer
     * folder's files are copied when given ({@link #copyTokenizer}).
     */
    public static void write(Path dir, ModelConfig config, Map<String, Tensor> weights, Path tokenizerDir,
                             DType storage) throws IOException {
        ModelFamily family = ModelFamilies.of(config);
        Map<String, Tensor> canonical = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        weights.forEach((name, t) -> {
            String c = family.canonicalName(config, name);
            canonical.put(c, t);
            shapes.put(c, java.util.Arrays.stream(t.shape()).asLongStream().toArray());
        });
        WeightNames.Check check = WeightNames.check(config, shapes);
        if (!check.exact()) {
            throw new IllegalArgumentException("cannot write " + dir + ": the weights do not match the config: "
                    + check.describe());
        }
        Checkpoint.WriteOptions options = new Checkpoint.WriteOptions(storage, false);
        Files.createDirectories(dir);
        copyTokenizer(tokenizerDir, dir);
        Map<String, RawTensor> stored = new LinkedHashMap<>();
        for (String name : family.tensorShapes(config).keySet()) {
            stored.put(name, TensorCodec.encode(canonical.get(name), storage));
        }
        SafetensorsWriter.write(dir.resolve(Checkpoint.WEIGHTS), stored, Map.of("format", "pt"));
        HfConfig.write(dir.resolve(Checkpoint.CONFIG), config, options.torchDtype());
    }
}
