package dev.distillery.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.model.EncoderConfig;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
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
 * A Hugging Face checkpoint folder in memory: the encoder config, every weight as an FP32
 * tensor under its canonical name (see {@link WeightNames}), and where the tokenizer file is.
 *
 * <p>A folder holds {@code config.json}, {@code model.safetensors} and {@code vocab.txt} and/or
 * {@code tokenizer.json}. {@link #write} produces one that transformers loads unchanged with
 * {@code AutoModelForSequenceClassification} (or {@code AutoModel} for a config without labels)
 * and {@code AutoTokenizer}.
 * <pre>{@code
 * Checkpoint cp = Checkpoint.read(Path.of("models/teacher"));
 * cp.config().numLabels();                        // 2
 * cp.weights().get("classifier.weight");          // Tensor[2, 768]
 * Checkpoint.write(out, cp.config(), cp.weights(), cp.tokenizerFile());
 * }</pre>
 *
 * @param weights        canonical name to FP32 tensor, in {@link WeightNames#expected} order
 * @param tokenizerFile  {@code tokenizer.json} if present, else {@code vocab.txt}; null if the folder has neither
 * @param lowerCase      {@code do_lower_case} from {@code tokenizer_config.json}; true when absent, as in BertTokenizer
 * @param ignoredTensors tensors in the file that the model does not use (another task's head, say), dropped
 */
public record Checkpoint(Path directory, EncoderConfig config, Map<String, Tensor> weights, Path tokenizerFile,
        boolean lowerCase, List<String> ignoredTensors) {

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String VOCAB = "vocab.txt";
    public static final String TOKENIZER_JSON = "tokenizer.json";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    public static final String SPECIAL_TOKENS = "special_tokens_map.json";

    public Checkpoint {
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
        ignoredTensors = List.copyOf(ignoredTensors);
    }

    /** How {@link #write} stores the weights and describes the tokenizer. */
    public record WriteOptions(DType storage, boolean lowerCase) {
        public WriteOptions {
            if (storage != DType.F32 && storage != DType.F16 && storage != DType.BF16) {
                throw new IllegalArgumentException("checkpoint weights are stored as F32, F16 or BF16, not " + storage);
            }
        }

        public static final WriteOptions DEFAULT = new WriteOptions(DType.F32, true);

        String torchDtype() {
            return switch (storage) {
                case F16 -> "float16";
                case BF16 -> "bfloat16";
                default -> "float32";
            };
        }
    }

    /** The weights file of a checkpoint folder, with a clear error for folders in another format. */
    public static Path weightsFile(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "checkpoint folder not found");
        }
        Path weights = dir.resolve(WEIGHTS);
        if (Files.isRegularFile(weights)) {
            return weights;
        }
        if (Files.exists(dir.resolve("pytorch_model.bin"))) {
            throw new CheckpointFormatException(dir + " holds pytorch_model.bin, a pickle file Distillery does not read; "
                    + "convert it to model.safetensors first (in Python: model.save_pretrained(dir, safe_serialization=True))");
        }
        if (Files.exists(dir.resolve("model.safetensors.index.json"))) {
            throw new CheckpointFormatException(dir + " holds a sharded checkpoint (model.safetensors.index.json); "
                    + "save it as one model.safetensors file (save_pretrained with max_shard_size larger than the model)");
        }
        throw new CheckpointFormatException(dir + " has no " + WEIGHTS + "; expected a Hugging Face checkpoint folder");
    }

    /**
     * The labels a config should have given the tensors in the file: when config.json names no
     * architecture and has no id2label, but the file has a classifier, its row count decides.
     */
    private static EncoderConfig reconcileLabels(EncoderConfig config, Path configFile, Map<String, long[]> shapes)
            throws IOException {
        if (config.numLabels() > 0) {
            return config;
        }
        JsonNode root = JsonFiles.read(configFile);
        long[] classifier = shapes.get("classifier.weight");
        if (root.has("architectures") || classifier == null || classifier.length != 2 || classifier[0] <= 0
                || classifier[0] > 1_000_000) {
            return config;
        }
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < classifier[0]; i++) {
            labels.add("LABEL_" + i);
        }
        return config.withLabels(labels);
    }

    /**
     * Reads a checkpoint folder; see the class comment for what it must contain. A folder whose
     * weights were stored sparsely ({@link SparseWeights#FILE} instead of {@code model.safetensors})
     * is read densified.
     */
    public static Checkpoint read(Path dir) throws IOException {
        if (Files.isDirectory(dir) && !Files.exists(dir.resolve(WEIGHTS)) && Files.isRegularFile(dir.resolve(SparseWeights.FILE))) {
            return readSparse(dir, dir.resolve(SparseWeights.FILE));
        }
        Path weightsFile = weightsFile(dir);
        Path configFile = dir.resolve(CONFIG);
        EncoderConfig config = HfConfig.read(configFile);
        try (SafetensorsFile st = SafetensorsFile.open(weightsFile)) {
            Map<String, String> fileNames = new LinkedHashMap<>();
            Map<String, long[]> shapes = canonicalShapes(config, st, fileNames);
            config = reconcileLabels(config, configFile, shapes);
            WeightNames.Check check = WeightNames.check(config, shapes);
            if (!check.usable()) {
                throw new CheckpointFormatException(weightsFile + " does not match " + configFile + ": " + check.describe());
            }
            List<String> ignored = check.unexpected();
            Map<String, Tensor> weights = new LinkedHashMap<>();
            for (String name : WeightNames.expected(config).keySet()) {
                String stored = fileNames.get(name);
                TensorInfo info = st.info(stored);
                if (info.dtype() != DType.F32 && info.dtype() != DType.F16 && info.dtype() != DType.BF16
                        && info.dtype() != DType.F64) {
                    throw new CheckpointFormatException(weightsFile + ": tensor '" + stored + "' has dtype " + info.dtype()
                            + "; model weights must be F32, F16, BF16 or F64");
                }
                weights.put(name, st.toTensor(stored));
            }
            return new Checkpoint(dir, config, weights, tokenizerFileIn(dir), lowerCaseIn(dir), ignored);
        }
    }

    private static Checkpoint readSparse(Path dir, Path weightsFile) throws IOException {
        Path configFile = dir.resolve(CONFIG);
        EncoderConfig config = HfConfig.read(configFile);
        Map<String, Tensor> stored = SparseWeights.read(weightsFile);
        Map<String, Tensor> byCanonical = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : stored.entrySet()) {
            String canonical = WeightNames.canonical(config, e.getKey());
            if (WeightNames.isNonPersistentBuffer(config, canonical)) {
                continue;
            }
            if (byCanonical.put(canonical, e.getValue()) != null) {
                throw new CheckpointFormatException(weightsFile + " holds two tensors named '" + canonical + "'");
            }
            shapes.put(canonical, java.util.Arrays.stream(e.getValue().shape()).asLongStream().toArray());
        }
        config = reconcileLabels(config, configFile, shapes);
        WeightNames.Check check = WeightNames.check(config, shapes);
        if (!check.usable()) {
            throw new CheckpointFormatException(weightsFile + " does not match " + configFile + ": " + check.describe());
        }
        Map<String, Tensor> weights = new LinkedHashMap<>();
        for (String name : WeightNames.expected(config).keySet()) {
            weights.put(name, byCanonical.get(name));
        }
        Path tokenizer = Files.isRegularFile(dir.resolve(TOKENIZER_JSON)) ? dir.resolve(TOKENIZER_JSON)
                : Files.isRegularFile(dir.resolve(VOCAB)) ? dir.resolve(VOCAB) : null;
        return new Checkpoint(dir, config, weights, tokenizer, readLowerCase(dir.resolve(TOKENIZER_CONFIG)),
                check.unexpected());
    }

    /** Shapes by canonical name; {@code fileNames} receives each canonical name's spelling in the file. */
    private static Map<String, long[]> canonicalShapes(EncoderConfig config, SafetensorsFile st, Map<String, String> fileNames)
            throws CheckpointFormatException {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (TensorInfo t : st.tensors()) {
            String canonical = WeightNames.canonical(config, t.name());
            if (WeightNames.isNonPersistentBuffer(config, canonical)) {
                continue;
            }
            if (fileNames.containsKey(canonical)) {
                throw new CheckpointFormatException(st.path() + " holds both '" + fileNames.get(canonical) + "' and '"
                        + t.name() + "', which name the same weight");
            }
            fileNames.put(canonical, t.name());
            shapes.put(canonical, t.shape());
        }
        return shapes;
    }

    /** {@code tokenizer.json} if the folder has one, else {@code vocab.txt}, else null. */
    public static Path tokenizerFileIn(Path dir) {
        return Files.isRegularFile(dir.resolve(TOKENIZER_JSON)) ? dir.resolve(TOKENIZER_JSON)
                : Files.isRegularFile(dir.resolve(VOCAB)) ? dir.resolve(VOCAB) : null;
    }

    /** {@code do_lower_case} of the folder's {@code tokenizer_config.json}; true when absent. */
    public static boolean lowerCaseIn(Path dir) throws IOException {
        return readLowerCase(dir.resolve(TOKENIZER_CONFIG));
    }

    private static boolean readLowerCase(Path tokenizerConfig) throws IOException {
        if (!Files.isRegularFile(tokenizerConfig)) {
            return true;
        }
        JsonNode root = JsonFiles.read(tokenizerConfig);
        JsonNode lower = root == null ? null : root.get("do_lower_case");
        if (lower == null || lower.isNull()) {
            return true;
        }
        if (!lower.isBoolean()) {
            throw new CheckpointFormatException(tokenizerConfig + ": do_lower_case must be true or false, found " + lower);
        }
        return lower.booleanValue();
    }

    /** Writes a checkpoint folder with FP32 weights and a lower-casing tokenizer. */
    public static void write(Path dir, ModelConfig config, Map<String, Tensor> weights, Path tokenizerFile)
            throws IOException {
        write(dir, config, weights, tokenizerFile, WriteOptions.DEFAULT);
    }

    /**
     * Writes {@code config.json}, {@code model.safetensors} (metadata {@code {"format":"pt"}}),
     * the tokenizer file (as {@code tokenizer.json} if its name ends in .json, else as
     * {@code vocab.txt}), {@code tokenizer_config.json} and {@code special_tokens_map.json}, each
     * atomically; config.json last, so a folder with a config is complete.
     *
     * <p>Weights may use canonical or bare encoder names and must match {@link WeightNames#expected}
     * exactly. With labels they are written as the sequence classifier stores them, without as
     * the bare model does.
     *
     * @param tokenizerFile vocab.txt or tokenizer.json to copy; null to write no tokenizer
     * @throws IllegalArgumentException when the weights do not match the config
     */
    public static void write(Path dir, ModelConfig config, Map<String, Tensor> weights, Path tokenizerFile,
            WriteOptions options) throws IOException {
        Map<String, Tensor> canonical = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : weights.entrySet()) {
            String name = WeightNames.canonical(config, e.getKey());
            if (canonical.put(name, e.getValue()) != null) {
                throw new IllegalArgumentException("weights hold '" + name + "' twice, with and without the prefix");
            }
            int[] s = e.getValue().shape();
            long[] ls = new long[s.length];
            for (int i = 0; i < s.length; i++) {
                ls[i] = s[i];
            }
            shapes.put(name, ls);
        }
        WeightNames.Check check = WeightNames.check(config, shapes);
        if (!check.exact()) {
            throw new IllegalArgumentException("cannot write checkpoint to " + dir + ": the weights do not match the config: "
                    + check.describe());
        }
        WeightNames.Layout layout = config.numLabels() > 0 ? WeightNames.Layout.PREFIXED : WeightNames.Layout.BARE;
        Map<String, RawTensor> stored = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : canonical.entrySet()) {
            stored.put(WeightNames.inLayout(config, e.getKey(), layout), TensorCodec.encode(e.getValue(), options.storage()));
        }
        writeTokenizerFiles(dir, config, tokenizerFile, options.lowerCase());
        SafetensorsWriter.write(dir.resolve(WEIGHTS), stored, Map.of("format", "pt"));
        HfConfig.write(dir.resolve(CONFIG), config, options.torchDtype());
    }

    /**
     * Creates {@code dir} and writes the tokenizer file (as {@code tokenizer.json} or {@code vocab.txt}),
     * {@code tokenizer_config.json} and {@code special_tokens_map.json}, each atomically: the part of a
     * checkpoint folder that does not depend on how the weights are stored.
     */
    public static void writeTokenizerFiles(Path dir, ModelConfig config, Path tokenizerFile, boolean lowerCase)
            throws IOException {
        Files.createDirectories(dir);
        if (tokenizerFile != null) {
            boolean json = tokenizerFile.getFileName().toString().endsWith(".json");
            AtomicFiles.copy(tokenizerFile, dir.resolve(json ? TOKENIZER_JSON : VOCAB));
        }
        AtomicFiles.writeString(dir.resolve(TOKENIZER_CONFIG), HfConfig.pretty(tokenizerConfig(config, lowerCase)));
        AtomicFiles.writeString(dir.resolve(SPECIAL_TOKENS), HfConfig.pretty(specialTokens()));
    }

    private static ObjectNode tokenizerConfig(ModelConfig c, boolean lowerCase) {
        ObjectNode o = HfConfig.JSON.createObjectNode();
        o.put("clean_up_tokenization_spaces", true);
        o.put("cls_token", "[CLS]");
        o.put("do_basic_tokenize", true);
        o.put("do_lower_case", lowerCase);
        o.put("mask_token", "[MASK]");
        o.put("model_max_length", c.maxPositions());
        o.putNull("never_split");
        o.put("pad_token", "[PAD]");
        o.put("sep_token", "[SEP]");
        o.putNull("strip_accents");
        o.put("tokenize_chinese_chars", true);
        o.put("tokenizer_class", ModelFamilies.of(c).tokenizerClass());
        o.put("unk_token", "[UNK]");
        return o;
    }

    private static ObjectNode specialTokens() {
        ObjectNode o = HfConfig.JSON.createObjectNode();
        o.put("cls_token", "[CLS]");
        o.put("mask_token", "[MASK]");
        o.put("pad_token", "[PAD]");
        o.put("sep_token", "[SEP]");
        o.put("unk_token", "[UNK]");
        return o;
    }
}
