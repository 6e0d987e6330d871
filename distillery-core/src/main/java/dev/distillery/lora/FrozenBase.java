package dev.distillery.lora;

import dev.distillery.io.Checkpoint;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.io.HfConfig;
import dev.distillery.io.SafetensorsFile;
import dev.distillery.io.TensorInfo;
import dev.distillery.kernel.LinearWeight;
import dev.distillery.kernel.RowTable;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
import dev.distillery.model.ModelFamily;
import dev.distillery.model.WeightMismatchException;
import dev.distillery.model.WeightSource;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizedDecoder;
import dev.distillery.quant.QuantizedTensor;
import dev.distillery.quant.QuantizedWeightSource;
import dev.distillery.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The frozen base of a decoder fine-tune, in the format the user chose: FP32 (packed for the
 * GEMM) or quantized by {@link QuantizedDecoder}'s rules (QLoRA's NF4 with double quantization,
 * ggml's Q4_0, ...). A Hugging Face folder is read one tensor at a time and each matrix is packed
 * or quantized as it is read, so the full FP32 model never sits in memory beside its packed form:
 * a 4-bit base costs its 4-bit bytes plus the largest single FP32 tensor while loading. A
 * llama2.c checkpoint (small by nature) and a folder already quantized by {@code quantize} are
 * read whole. Close it once the model is built: that closes the files a streaming source holds.
 *
 * @param weights the weights to build the model from ({@code ModuleSource.frozen(weights)})
 * @param format  "fp32" or the scheme id, e.g. "nf4-dq"
 * @param tokenizerDir the folder holding the tokenizer files
 */
public record FrozenBase(ModelConfig config, WeightSource weights, String format, Path tokenizerDir)
        implements AutoCloseable {
    /** The formats a base can be held in: FP32 and the decoder quantization schemes. */
    public static final List<String> FORMATS = List.of("fp32", "q8_0", "q4_0", "nf4", "nf4-dq");

    /** The scheme of {@code format}, or null for FP32. */
    public static QuantScheme scheme(String format) {
        if (!FORMATS.contains(format)) {
            throw new IllegalArgumentException("base format \"" + format + "\" is not one of " + String.join(", ", FORMATS));
        }
        return format.equals("fp32") ? null : QuantScheme.fromId(format);
    }

    /**
     * The decoder at {@code path} (a Hugging Face folder, a quantized decoder folder, a llama2.c
     * {@code .bin} or a folder with one) held as {@code format}; null keeps a quantized folder in
     * its own scheme and reads anything else as FP32.
     *
     * @throws CheckpointFormatException when the path is not a decoder, or a quantized folder is asked for another format
     */
    public static FrozenBase load(Path path, String format) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such model folder or file");
        }
        QuantScheme scheme = format == null ? null : scheme(format);
        if (Files.isDirectory(path) && QuantizedDecoder.isQuantizedDecoder(path)) {
            QuantizedDecoder q = QuantizedDecoder.read(path);
            String own = q.info().scheme().id();
            if (format != null && !format.equals(own)) {
                throw new CheckpointFormatException(path + " is a decoder quantized to " + own + "; it cannot serve as a "
                        + format + " base. Give the FP32 model to quantize it another way, or --base-format " + own);
            }
            return new FrozenBase(q.config(), new QuantizedWeightSource(q.dense(), q.quantized()), own, path);
        }
        if (Files.isDirectory(path) && Files.isRegularFile(path.resolve(Checkpoint.CONFIG))) {
            ModelConfig config = HfConfig.readAny(path.resolve(Checkpoint.CONFIG));
            if (ModelFamilies.of(config).outputLayer(config) == null) {
                throw new CheckpointFormatException(path.resolve(Checkpoint.CONFIG) + " describes a " + config.family()
                        + " encoder, not a decoder");
            }
            return new FrozenBase(config, new Streaming(path, config, scheme), format(scheme), path);
        }
        if (DecoderCheckpoint.llama2cFile(path) != null) {
            DecoderCheckpoint c = DecoderCheckpoint.load(path);
            WeightSource w = scheme == null ? WeightSource.fp32(c.weights()) : quantized(c.config(), c.weights(), scheme);
            return new FrozenBase(c.config(), w, format(scheme), c.tokenizerDir());
        }
        throw new CheckpointFormatException(path + " is not a decoder Distillery reads: expected a Hugging Face folder, "
                + "a quantized decoder folder or a llama2.c checkpoint");
    }

    /** Closes the files of a streaming source; the model built from it stays valid. */
    @Override
    public void close() {
        if (weights instanceof Streaming s) {
            s.close();
        }
    }

    private static String format(QuantScheme scheme) {
        return scheme == null ? "fp32" : scheme.id();
    }

    private static WeightSource quantized(ModelConfig config, Map<String, Tensor> weights, QuantScheme scheme) {
        QuantizedDecoder q = QuantizedDecoder.quantize(config, weights, scheme);
        return new QuantizedWeightSource(q.dense(), q.quantized());
    }

    /**
     * Reads each tensor of a Hugging Face decoder folder when the builder asks for it (widened to
     * FP32), packs or quantizes it at once and lets the FP32 array go. The files stay open until
     * the source is garbage; a builder asks for each tensor once, except a tied output layer.
     */
    private static final class Streaming implements WeightSource {
        private final ModelConfig config;
        private final QuantScheme scheme;
        private final Map<String, Path> shardOf = new HashMap<>();    // canonical name → shard
        private final Map<String, String> storedAs = new HashMap<>(); // canonical name → name in the file
        private final Map<Path, SafetensorsFile> open = new LinkedHashMap<>();
        private final Map<String, LinearWeight> quantized = new HashMap<>(); // one object per quantized matrix

        Streaming(Path dir, ModelConfig config, QuantScheme scheme) throws IOException {
            this.config = config;
            this.scheme = scheme;
            ModelFamily family = ModelFamilies.of(config);
            for (Map.Entry<String, Path> e : DecoderCheckpoint.shards(dir).entrySet()) {
                String canonical = family.canonicalName(config, e.getKey());
                shardOf.put(canonical, e.getValue());
                storedAs.put(canonical, e.getKey());
            }
        }

        private Tensor read(String name, int... shape) {
            Path shard = shardOf.get(name);
            if (shard == null) {
                throw new WeightMismatchException("decoder folder", List.of(name), List.of(), List.of());
            }
            try {
                SafetensorsFile st = open.get(shard);
                if (st == null) {
                    st = SafetensorsFile.open(shard);
                    open.put(shard, st);
                }
                TensorInfo info = st.info(storedAs.get(name));
                if (!info.dtype().isFloating()) {
                    throw new CheckpointFormatException(shard + ": tensor '" + storedAs.get(name) + "' has dtype "
                            + info.dtype() + "; model weights must be F32, F16, BF16 or F64");
                }
                Tensor t = st.toTensor(storedAs.get(name));
                if (!Arrays.equals(t.shape(), shape)) {
                    throw new WeightMismatchException("decoder folder", List.of(), List.of(),
                            List.of(name + " is " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape)));
                }
                return t;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        /** The quantized form of matrix {@code name}, or null when it stays FP32. */
        private LinearWeight quantizedMatrix(String name, int rows, int cols) {
            QuantScheme s = scheme == null ? null : QuantizedDecoder.schemeFor(config, name, scheme);
            if (s == null || !s.accepts(rows, cols)) {
                return null;
            }
            LinearWeight w = quantized.get(name);
            if (w == null) {
                QuantizedTensor q = s.quantize(read(name, rows, cols).data(), rows, cols);
                w = QuantizedWeightSource.blocked(q);
                quantized.put(name, w);
            }
            return w;
        }

        @Override
        public LinearWeight linear(String name, int out, int in) {
            LinearWeight q = quantizedMatrix(name, out, in);
            return q != null ? q : LinearWeight.fp32(read(name, out, in).data(), out, in);
        }

        @Override
        public float[] vector(String name, int length) {
            return read(name, length).data();
        }

        @Override
        public RowTable table(String name, int rows, int width) {
            LinearWeight q = quantizedMatrix(name, rows, width);
            return q != null ? (RowTable) q : RowTable.fp32(read(name, rows, width).data(), rows, width);
        }

        void close() {
            open.values().forEach(SafetensorsFile::close);
            open.clear();
        }

        @Override
        public String toString() {
            return "decoder folder read as " + (scheme == null ? "fp32" : scheme.id().toLowerCase(Locale.ROOT));
        }
    }
}
