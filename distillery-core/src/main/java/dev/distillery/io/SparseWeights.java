package dev.distillery.io;

import dev.distillery.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Distillery's sparse weights file, {@value #FILE}: a safetensors file whose mostly-zero FP32
 * tensors are stored as their non-zero values and a bit mask, densified when read. It replaces
 * {@code model.safetensors} in a folder pruned without structure; Hugging Face does not read it,
 * so {@link #densify} turns it back into a normal file.
 *
 * <p>Layout, version {@value #VERSION}: metadata {@code {"format":"distillery-sparse","version":"1"}}.
 * A tensor {@code N} stored densely is an ordinary F32 entry {@code N}. Stored sparsely it is three
 * entries and no {@code N}:
 * <ul>
 *   <li>{@code N.__shape}: I64 [rank], the dense shape;</li>
 *   <li>{@code N.__mask}: U8 [ceil(n / 8)], bit i (byte i / 8, bit i % 8, least significant
 *       first) set when row-major element i is stored; bits past n are zero;</li>
 *   <li>{@code N.__values}: F32 [popcount(mask)], the stored elements in row-major order; every
 *       element but +0.0 is stored (−0.0 and NaN too), so reading gives the same bits back.</li>
 * </ul>
 * A tensor is stored sparsely when that takes fewer bytes: 4·nnz + n/8 + 8·rank &lt; 4·n, i.e. when
 * fewer than about 97 % of its elements are non-zero. Sparsity saves disk only: weights are
 * densified at load and run on the dense kernels.
 */
public final class SparseWeights {
    public static final String FILE = "model.sparse.safetensors";
    public static final String FORMAT = "distillery-sparse";
    public static final String VERSION = "1";
    static final String SHAPE = ".__shape";
    static final String MASK = ".__mask";
    static final String VALUES = ".__values";

    private SparseWeights() {
    }

    /** Every element but +0 is stored, −0 included, so a round trip is bit for bit. */
    private static boolean stored(float v) {
        return Float.floatToRawIntBits(v) != 0;
    }

    /** Whether {@code t} takes fewer bytes as mask and values than dense. */
    public static boolean smallerSparse(Tensor t) {
        long n = t.data().length;
        long nnz = 0;
        for (float v : t.data()) {
            if (stored(v)) {
                nnz++;
            }
        }
        return 4 * nnz + (n + 7) / 8 + 8L * t.shape().length < 4 * n;
    }

    /** Writes {@code tensors} (FP32) to {@code file}, each sparse when smaller; {@code metadata} is added (may be null). */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, RawTensor> raw = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (!smallerSparse(t)) {
                raw.put(name, TensorCodec.encode(t, DType.F32));
                continue;
            }
            float[] d = t.data();
            byte[] mask = new byte[(d.length + 7) / 8];
            int nnz = 0;
            for (int i = 0; i < d.length; i++) {
                if (stored(d[i])) {
                    mask[i >>> 3] |= (byte) (1 << (i & 7));
                    nnz++;
                }
            }
            ByteBuffer values = ByteBuffer.allocate(4 * nnz).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : d) {
                if (stored(v)) {
                    values.putFloat(v);
                }
            }
            ByteBuffer shape = ByteBuffer.allocate(8 * t.shape().length).order(ByteOrder.LITTLE_ENDIAN);
            for (int s : t.shape()) {
                shape.putLong(s);
            }
            raw.put(name + SHAPE, new RawTensor(DType.I64, new long[] {t.shape().length}, shape.array()));
            raw.put(name + MASK, new RawTensor(DType.U8, new long[] {mask.length}, mask));
            raw.put(name + VALUES, new RawTensor(DType.F32, new long[] {nnz}, values.array()));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        if (metadata != null) {
            meta.putAll(metadata);
        }
        meta.put("format", FORMAT);
        meta.put("version", VERSION);
        SafetensorsWriter.write(file, raw, meta);
    }

    /**
     * Reads a file written by {@link #write}, densified, by stored name.
     *
     * @throws CheckpointFormatException naming the file and tensor when the format, version, a mask,
     *                                   its value count or a shape is wrong, or a part is missing
     */
    public static Map<String, Tensor> read(Path file) throws IOException {
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            Map<String, String> meta = st.metadata();
            if (!FORMAT.equals(meta.get("format"))) {
                throw new CheckpointFormatException(file + " is not a Distillery sparse weights file: its metadata format is "
                        + meta.get("format") + ", expected " + FORMAT);
            }
            if (!VERSION.equals(meta.get("version"))) {
                throw new CheckpointFormatException(file + " has sparse format version " + meta.get("version")
                        + "; this Distillery reads version " + VERSION);
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            Set<String> parts = new HashSet<>();
            for (TensorInfo info : st.tensors()) {
                String n = info.name();
                if (n.endsWith(SHAPE) || n.endsWith(MASK) || n.endsWith(VALUES)) {
                    String base = n.substring(0, n.lastIndexOf(".__"));
                    if (parts.add(base)) {
                        out.put(base, sparse(st, file, base));
                    }
                } else {
                    out.put(n, st.toTensor(n));
                }
            }
            for (String base : parts) {
                if (st.contains(base)) {
                    throw new CheckpointFormatException(file + " stores '" + base + "' both densely and sparsely");
                }
            }
            return out;
        }
    }

    private static Tensor sparse(SafetensorsFile st, Path file, String base) throws CheckpointFormatException {
        for (String part : new String[] {SHAPE, MASK, VALUES}) {
            if (!st.contains(base + part)) {
                throw new CheckpointFormatException(file + ": sparse tensor '" + base + "' has no " + base + part);
            }
        }
        RawTensor shapeRaw = st.raw(base + SHAPE);
        RawTensor maskRaw = st.raw(base + MASK);
        RawTensor valuesRaw = st.raw(base + VALUES);
        if (shapeRaw.dtype() != DType.I64 || maskRaw.dtype() != DType.U8 || valuesRaw.dtype() != DType.F32
                || shapeRaw.shape().length != 1 || maskRaw.shape().length != 1 || valuesRaw.shape().length != 1) {
            throw new CheckpointFormatException(file + ": sparse tensor '" + base + "' must have a 1-D I64 shape, U8 mask "
                    + "and F32 values, found " + shapeRaw.dtype() + ", " + maskRaw.dtype() + ", " + valuesRaw.dtype());
        }
        ByteBuffer sb = ByteBuffer.wrap(shapeRaw.data()).order(ByteOrder.LITTLE_ENDIAN);
        int[] shape = new int[(int) shapeRaw.shape()[0]];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            long d = sb.getLong();
            if (d <= 0 || d > Integer.MAX_VALUE) {
                throw new CheckpointFormatException(file + ": sparse tensor '" + base + "' has dimension " + d
                        + " in its shape; expected a positive int");
            }
            shape[i] = (int) d;
            n *= d;
            if (n > Integer.MAX_VALUE - 8) {
                throw new CheckpointFormatException(file + ": sparse tensor '" + base + "' of shape "
                        + Arrays.toString(shape) + " is too large for one Java array");
            }
        }
        byte[] mask = maskRaw.data();
        if (mask.length != (n + 7) / 8) {
            throw new CheckpointFormatException(file + ": the mask of sparse tensor '" + base + "' has " + mask.length
                    + " bytes; its shape " + Arrays.toString(shape) + " needs " + (n + 7) / 8);
        }
        if (n % 8 != 0 && (mask[mask.length - 1] & 0xFF) >>> (n % 8) != 0) {
            throw new CheckpointFormatException(file + ": the mask of sparse tensor '" + base
                    + "' sets bits past its " + n + " elements");
        }
        long set = 0;
        for (byte b : mask) {
            set += Integer.bitCount(b & 0xFF);
        }
        long values = valuesRaw.shape()[0];
        if (set != values) {
            throw new CheckpointFormatException(file + ": the mask of sparse tensor '" + base + "' marks " + set
                    + " stored elements but it has " + values + " values");
        }
        ByteBuffer vb = ByteBuffer.wrap(valuesRaw.data()).order(ByteOrder.LITTLE_ENDIAN);
        float[] dense = new float[(int) n];
        for (int i = 0; i < dense.length; i++) {
            if ((mask[i >>> 3] & (1 << (i & 7))) != 0) {
                dense[i] = vb.getFloat();
            }
        }
        return Tensor.of(dense, shape);
    }

    /**
     * Replaces {@code dir/model.safetensors} by {@value #FILE} when that is smaller, keeping
     * the dense file otherwise.
     *
     * @return whether the folder now holds the sparse file
     */
    public static boolean sparsify(Path dir) throws IOException {
        Path dense = dir.resolve(Checkpoint.WEIGHTS);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> meta;
        try (SafetensorsFile st = SafetensorsFile.open(dense)) {
            meta = new LinkedHashMap<>(st.metadata());
            for (TensorInfo info : st.tensors()) {
                tensors.put(info.name(), st.toTensor(info.name()));
            }
        }
        Path sparse = dir.resolve(FILE);
        write(sparse, tensors, meta);
        if (Files.size(sparse) >= Files.size(dense)) {
            Files.delete(sparse);
            return false;
        }
        Files.delete(dense);
        return true;
    }

    /** Turns {@value #FILE} in {@code dir} back into an ordinary {@code model.safetensors} Hugging Face reads. */
    public static void densify(Path dir) throws IOException {
        Path sparse = dir.resolve(FILE);
        Map<String, Tensor> tensors = read(sparse);
        Map<String, String> meta;
        try (SafetensorsFile st = SafetensorsFile.open(sparse)) {
            meta = new LinkedHashMap<>(st.metadata());
        }
        meta.remove("version");
        meta.put("format", "pt");
        SafetensorsWriter.writeFloats(dir.resolve(Checkpoint.WEIGHTS), tensors, DType.F32, meta);
        Files.delete(sparse);
    }
}
