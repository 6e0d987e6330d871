package dev.distillery.quant;

import dev.distillery.io.Checkpoint;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.DType;
import dev.distillery.io.HfConfig;
import dev.distillery.io.RawTensor;
import dev.distillery.io.SafetensorsFile;
import dev.distillery.io.SafetensorsWriter;
import dev.distillery.io.TensorCodec;
import dev.distillery.io.TensorInfo;
import dev.distillery.io.WeightNames;
import dev.distillery.model.EncoderConfig;
import dev.distillery.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A classifier folder whose {@code model.safetensors} holds some weights quantized, in the layouts of
 * {@link TensorLayout}, and the rest (LayerNorms, biases, the head, anything skipped) as F32 under
 * their Hugging Face names; {@code config.json} and the tokenizer files are those of any checkpoint.
 * Which weight is stored how is the manifest's {@link QuantizationInfo}, passed in to {@link #read}.
 *
 * @param dense     canonical name to FP32 tensor: every weight not in {@code quantized} (FP16 and BF16
 *                  weights are widened here: they are storage formats)
 * @param quantized canonical name to packed tensor, kept packed
 */
public record QuantizedCheckpoint(Path directory, EncoderConfig config, Map<String, Tensor> dense,
                                  Map<String, QuantizedTensor> quantized, Path tokenizerFile, boolean lowerCase) {
    public QuantizedCheckpoint {
        dense = Collections.unmodifiableMap(new LinkedHashMap<>(dense));
        quantized = Collections.unmodifiableMap(new LinkedHashMap<>(quantized));
    }

    /**
     * Writes the tokenizer files, {@code model.safetensors} and then {@code config.json}, each atomically.
     * Together {@code dense} and {@code quantized} must hold exactly the weights the config expects.
     *
     * @throws IllegalArgumentException when a weight is missing, doubled or of the wrong shape
     */
    public static void write(Path dir, EncoderConfig config, Map<String, Tensor> dense, Map<String, QuantizedTensor> quantized,
                             Path tokenizerFile, boolean lowerCase) throws IOException {
        Map<String, int[]> expected = WeightNames.expected(config);
        Map<String, RawTensor> stored = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            String name = e.getKey();
            Tensor d = dense.get(name);
            QuantizedTensor q = quantized.get(name);
            if ((d == null) == (q == null)) {
                throw new IllegalArgumentException("weight '" + name + "' must be given exactly once, dense or quantized");
            }
            int[] shape = e.getValue();
            if (d != null) {
                if (!Arrays.equals(d.shape(), shape)) {
                    throw new IllegalArgumentException("weight '" + name + "' has shape " + Arrays.toString(d.shape())
                            + ", expected " + Arrays.toString(shape));
                }
                stored.put(name, TensorCodec.encode(d, DType.F32));
            } else {
                if (shape.length != 2 || q.rows() != shape[0] || q.cols() != shape[1]) {
                    throw new IllegalArgumentException("quantized weight '" + name + "' is [" + q.rows() + ", " + q.cols()
                            + "], expected " + Arrays.toString(shape));
                }
                stored.putAll(TensorLayout.encode(name, q));
            }
        }
        for (String name : dense.keySet()) {
            if (!expected.containsKey(name)) {
                throw new IllegalArgumentException("weight '" + name + "' is not one the config expects");
            }
        }
        for (String name : quantized.keySet()) {
            if (!expected.containsKey(name)) {
                throw new IllegalArgumentException("quantized weight '" + name + "' is not one the config expects");
            }
        }
        Checkpoint.writeTokenizerFiles(dir, config, tokenizerFile, lowerCase);
        SafetensorsWriter.write(dir.resolve(Checkpoint.WEIGHTS), stored, Map.of("format", "pt"));
        HfConfig.write(dir.resolve(Checkpoint.CONFIG), config, "float32");
    }

    /**
     * Reads a folder written by {@link #write}.
     *
     * @throws CheckpointFormatException naming the file and tensor when a weight is missing, damaged or not in the
     *                                   format {@code info} records
     */
    public static QuantizedCheckpoint read(Path dir, QuantizationInfo info) throws IOException {
        Path weights = Checkpoint.weightsFile(dir);
        EncoderConfig config = HfConfig.read(dir.resolve(Checkpoint.CONFIG));
        Map<String, int[]> expected = WeightNames.expected(config);
        for (String name : info.tensors().keySet()) {
            int[] shape = expected.get(name);
            if (shape == null || shape.length != 2) {
                throw new CheckpointFormatException(dir.resolve("distillery.json") + " lists '" + name
                        + "' as quantized, but " + dir.resolve(Checkpoint.CONFIG) + " has no such matrix");
            }
        }
        Map<String, Tensor> dense = new LinkedHashMap<>();
        Map<String, QuantizedTensor> quantized = new LinkedHashMap<>();
        try (SafetensorsFile st = SafetensorsFile.open(weights)) {
            for (Map.Entry<String, int[]> e : expected.entrySet()) {
                String name = e.getKey();
                int[] shape = e.getValue();
                QuantScheme scheme = info.tensors().get(name);
                if (scheme == null) {
                    dense.put(name, denseTensor(st, name, shape));
                    continue;
                }
                QuantizedTensor q = TensorLayout.decode(st, name, scheme, shape[0], shape[1]);
                if (q instanceof HalfTensor h) {
                    dense.put(name, Tensor.of(h.dequantize(), shape));
                } else {
                    quantized.put(name, q);
                }
            }
        }
        return new QuantizedCheckpoint(dir, config, dense, quantized, Checkpoint.tokenizerFileIn(dir), Checkpoint.lowerCaseIn(dir));
    }

    private static Tensor denseTensor(SafetensorsFile st, String name, int[] shape) throws CheckpointFormatException {
        if (!st.contains(name)) {
            throw new CheckpointFormatException(st.path() + " has no tensor '" + name + "', which the config expects"
                    + " (and the manifest does not list as quantized)");
        }
        TensorInfo t = st.info(name);
        if (t.dtype() != DType.F32 && t.dtype() != DType.F16 && t.dtype() != DType.BF16) {
            throw new CheckpointFormatException(st.path() + ": tensor '" + name + "' is " + t.dtype()
                    + "; an unquantized weight must be F32, F16 or BF16");
        }
        if (!Arrays.equals(t.intShape(), shape)) {
            throw new CheckpointFormatException(st.path() + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return st.toTensor(name);
    }

    /** Bytes of the weights as held in memory: packed sizes for quantized ones, 4 per value for the rest. */
    public long weightBytes() {
        return weightBytes(dense, quantized);
    }

    /** {@link #weightBytes()} of any dense and quantized maps; quantized decoders hold theirs alike. */
    static long weightBytes(Map<String, Tensor> dense, Map<String, QuantizedTensor> quantized) {
        long sum = 0;
        for (Tensor t : dense.values()) {
            sum += 4L * t.size();
        }
        for (QuantizedTensor q : quantized.values()) {
            sum += q.sizeBytes();
        }
        return sum;
    }
}
