package dev.distillery.quant;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.io.AtomicFiles;
import dev.distillery.io.Checkpoint;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.DType;
import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.io.HfConfig;
import dev.distillery.io.RawTensor;
import dev.distillery.io.SafetensorsFile;
import dev.distillery.io.SafetensorsWriter;
import dev.distillery.io.TensorCodec;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
import dev.distillery.model.ModelFamily;
import dev.distillery.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A decoder LLM with its weights quantized, kept packed: in memory, and on disk as a Hugging Face
 * style folder whose {@code model.safetensors} stores each quantized matrix in the layout of
 * {@link TensorLayout} (bitsandbytes' key names for NF4) and the rest as F32, beside
 * {@code config.json}, the tokenizer files and {@value #FILE} ({@link QuantizationInfo}).
 * {@link #model()} computes on the packed weights through the low-bit kernels; no FP32 copy of
 * a quantized matrix is ever made.
 *
 * <p>Which matrices are packed follows what users of each format expect:
 * <ul>
 *   <li>Q8_0 and Q4_0, as llama.cpp quantizes a GGUF file of that type: every matrix in the
 *   scheme, the token embedding included (its rows are decoded as they are gathered); the output
 *   layer (the embedding itself when tied) stays at 8 bits for Q4_0, where llama.cpp uses Q6_K,
 *   a type Distillery does not implement.</li>
 *   <li>NF4 and NF4 with double quantization, as bitsandbytes does through transformers: the
 *   linear layers of the blocks only; the embedding and the output layer stay FP32.</li>
 * </ul>
 * A matrix whose width the scheme cannot take (not a multiple of its block) stays FP32 and is
 * listed in {@link QuantizationInfo#skipped()}.
 */
public record QuantizedDecoder(Path directory, ModelConfig config, Map<String, Tensor> dense,
                               Map<String, QuantizedTensor> quantized, QuantizationInfo info) {
    /** The file that marks a quantized decoder folder and records how each matrix is stored. */
    public static final String FILE = "quantization.json";
    /** The schemes a decoder can be quantized to. */
    public static final List<QuantScheme> SCHEMES = List.of(QuantScheme.Q8_0, QuantScheme.Q4_0, QuantScheme.NF4,
            QuantScheme.NF4_DQ);

    private static final ObjectMapper JSON = new ObjectMapper();

    public QuantizedDecoder {
        dense = Collections.unmodifiableMap(new LinkedHashMap<>(dense));
        quantized = Collections.unmodifiableMap(new LinkedHashMap<>(quantized));
    }

    /** True when {@code dir} holds a quantized decoder (its {@value #FILE}). */
    public static boolean isQuantizedDecoder(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE));
    }

    /**
     * Quantizes FP32 weights (canonical names) to {@code scheme} by the rules of the class comment.
     *
     * @throws IllegalArgumentException for a scheme decoders are not quantized to here
     */
    public static QuantizedDecoder quantize(ModelConfig config, Map<String, Tensor> weights, QuantScheme scheme) {
        if (!SCHEMES.contains(scheme)) {
            throw new IllegalArgumentException("a decoder is quantized to " + SCHEMES.stream().map(QuantScheme::id).toList()
                    + ", not " + scheme.id());
        }
        Map<String, Tensor> dense = new LinkedHashMap<>();
        Map<String, QuantizedTensor> packed = new LinkedHashMap<>();
        Map<String, QuantScheme> stored = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : weights.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            QuantScheme s = t.rank() == 2 ? schemeFor(config, name, scheme) : null;
            if (s != null && !s.accepts(t.dim(0), t.dim(1))) {
                skipped.add(name);
                s = null;
            }
            if (s == null) {
                dense.put(name, t);
            } else {
                packed.put(name, s.quantize(t.data(), t.dim(0), t.dim(1)));
                stored.put(name, s);
            }
        }
        return new QuantizedDecoder(null, config, dense, packed,
                new QuantizationInfo(scheme, stored, skipped, List.of(), Double.NaN));
    }

    /**
     * The scheme the matrix {@code name} is stored in when a decoder of {@code config} is quantized
     * to {@code scheme} by the rules of the class comment, or null when those rules keep it FP32; a
     * matrix whose width the returned scheme does not {@link QuantScheme#accepts accept} stays FP32 too.
     */
    public static QuantScheme schemeFor(ModelConfig config, String name, QuantScheme scheme) {
        ModelFamily family = ModelFamilies.of(config);
        String embedding = family.tokenEmbedding(config) + ".weight";
        String output = family.outputLayer(config) + ".weight";
        QuantScheme s = null;
        if (scheme == QuantScheme.Q8_0 || scheme == QuantScheme.Q4_0) {
            s = name.equals(output) && scheme == QuantScheme.Q4_0 ? QuantScheme.Q8_0 : scheme;
        } else if (!name.equals(embedding) && !name.equals(output)) {
            s = scheme;
        }
        return s;
    }

    /** The model computing on the packed weights. */
    public CausalLanguageModel model() {
        return CausalLanguageModel.fromWeights(config, new QuantizedWeightSource(dense, quantized));
    }

    /** Bytes of the weights as held in memory: packed sizes for quantized ones, 4 per value for the rest. */
    public long weightBytes() {
        return QuantizedCheckpoint.weightBytes(dense, quantized);
    }

    /**
     * Writes {@code config.json}, {@code model.safetensors}, the tokenizer files of
     * {@code tokenizerDir} (when given) and then {@value #FILE}, each atomically: a folder holds the
     * marker only once the rest is complete.
     */
    public void write(Path dir, Path tokenizerDir) throws IOException {
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve(FILE));
        DecoderCheckpoint.copyTokenizer(tokenizerDir, dir);
        Map<String, RawTensor> stored = new LinkedHashMap<>();
        for (String name : ModelFamilies.of(config).tensorShapes(config).keySet()) {
            Tensor d = dense.get(name);
            stored.putAll(d != null ? Map.of(name, TensorCodec.encode(d, DType.F32))
                    : TensorLayout.encode(name, quantized.get(name)));
        }
        SafetensorsWriter.write(dir.resolve(Checkpoint.WEIGHTS), stored, Map.of("format", "pt"));
        HfConfig.write(dir.resolve(Checkpoint.CONFIG), config, "float32");
        AtomicFiles.writeString(dir.resolve(FILE), HfConfig.pretty(info.toJson()));
    }

    /**
     * Reads a folder written by {@link #write}.
     *
     * @throws CheckpointFormatException naming the file and tensor when a weight is missing, damaged
     *                                   or not in the format {@value #FILE} records
     */
    public static QuantizedDecoder read(Path dir) throws IOException {
        Path infoFile = dir.resolve(FILE);
        QuantizationInfo info;
        try {
            JsonNode root = JSON.readTree(infoFile.toFile());
            info = QuantizationInfo.fromJson(root, infoFile);
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(infoFile + " is not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        ModelConfig config = HfConfig.readAny(dir.resolve(Checkpoint.CONFIG));
        Map<String, int[]> expected = ModelFamilies.of(config).tensorShapes(config);
        for (String name : info.tensors().keySet()) {
            int[] shape = expected.get(name);
            if (shape == null || shape.length != 2) {
                throw new CheckpointFormatException(infoFile + " lists '" + name + "' as quantized, but "
                        + dir.resolve(Checkpoint.CONFIG) + " has no such matrix");
            }
        }
        Map<String, Tensor> dense = new LinkedHashMap<>();
        Map<String, QuantizedTensor> quantized = new LinkedHashMap<>();
        Path weights = dir.resolve(Checkpoint.WEIGHTS);
        try (SafetensorsFile st = SafetensorsFile.open(weights)) {
            for (Map.Entry<String, int[]> e : expected.entrySet()) {
                String name = e.getKey();
                int[] shape = e.getValue();
                QuantScheme scheme = info.tensors().get(name);
                if (scheme != null) {
                    quantized.put(name, TensorLayout.decode(st, name, scheme, shape[0], shape[1]));
                    continue;
                }
                if (!st.contains(name)) {
                    throw new CheckpointFormatException(weights + " has no tensor '" + name + "', which "
                            + dir.resolve(Checkpoint.CONFIG) + " expects (and " + FILE + " does not list as quantized)");
                }
                Tensor t = st.toTensor(name);
                if (!Arrays.equals(t.shape(), shape)) {
                    throw new CheckpointFormatException(weights + ": tensor '" + name + "' has shape "
                            + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
                }
                dense.put(name, t);
            }
        }
        return new QuantizedDecoder(dir, config, dense, quantized, info);
    }

    /** The FP32 folder's decoder quantized: a convenience for {@code read} then {@link #quantize}. */
    public static QuantizedDecoder quantize(DecoderCheckpoint fp32, QuantScheme scheme) {
        return quantize(fp32.config(), fp32.weights(), scheme);
    }
}
