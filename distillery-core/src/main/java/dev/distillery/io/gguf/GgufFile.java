package dev.distillery.io.gguf;

import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.DType;
import dev.distillery.io.TensorCodec;
import dev.distillery.quant.Q4_0Tensor;
import dev.distillery.quant.Q8_0Tensor;
import dev.distillery.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file opened for reading (ggml's docs/gguf.md, version 3; version 2 has the same layout and
 * is read too): its metadata, its tensor infos, and its data section memory-mapped so tensors are
 * read on demand.
 *
 * <p>Layout, all little-endian: magic "GGUF", uint32 version, uint64 tensor count, uint64 metadata
 * count; the metadata as key (uint64 length + UTF-8), uint32 value type, value (strings length
 * prefixed, arrays as element type, uint64 count, elements); the tensor infos as name, uint32
 * number of dimensions, uint64 dimensions innermost first, uint32 ggml type, uint64 offset into the
 * data section; padding to {@code general.alignment} (default 32); the data section, each tensor
 * at an aligned offset.
 *
 * <p>Everything is checked before anything sized by the file is allocated or mapped: the magic, the
 * version, that the counts fit the bytes left, each string and array length against the bytes
 * left, value and tensor types, booleans being 0 or 1, unique keys and names, the alignment (a
 * power of two), dimensions (at most {@value #MAX_DIMS}, whole blocks, no overflow), aligned
 * offsets, and that every tensor lies inside the file without overlapping another. Any failure
 * is a {@link CheckpointFormatException} naming the file and what is wrong. Tensors of every ggml
 * type can be read raw; F32, F16 and BF16 also decode to FP32, and Q8_0 and Q4_0 to
 * {@link Q8_0Tensor} and {@link Q4_0Tensor} with their blocks as stored.
 *
 * <p>Life cycle: open, read, close; arrays and tensors returned are copies and stay valid after
 * close, segments do not.
 * <pre>{@code
 * try (GgufFile f = GgufFile.open(Path.of("model.gguf"))) {
 *     String arch = f.string("general.architecture");        // "llama"
 *     Q8_0Tensor wq = f.q8_0("blk.0.attn_q.weight");          // rows = out features, cols = in features
 * }
 * }</pre>
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    public static final int VERSION = 3;
    public static final int DEFAULT_ALIGNMENT = 32;
    public static final String ALIGNMENT_KEY = "general.alignment";
    /** ggml's GGML_MAX_DIMS. */
    public static final int MAX_DIMS = 4;
    /** The spec's limit on tensor names. */
    public static final int MAX_NAME_BYTES = 64;
    /** The spec's limit on metadata keys. */
    public static final int MAX_KEY_BYTES = 65_535;
    /** Arrays nest at most this deep; real files do not nest at all. */
    static final int MAX_ARRAY_DEPTH = 8;

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String source;
    private final int version;
    private final long alignment;
    private final Map<String, GgufValue> metadata;
    private final Map<String, GgufTensorInfo> tensors;
    private final long dataStart;
    private final MemorySegment file;
    private final Arena arena; // null when reading from an array

    private GgufFile(String source, int version, long alignment, Map<String, GgufValue> metadata,
                     Map<String, GgufTensorInfo> tensors, long dataStart, MemorySegment file, Arena arena) {
        this.source = source;
        this.version = version;
        this.alignment = alignment;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataStart = dataStart;
        this.file = file;
        this.arena = arena;
    }

    /** Opens and validates {@code path}, mapping it into memory; see the class comment for what is checked. */
    public static GgufFile open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            throw new CheckpointFormatException(path + " is a folder, not a GGUF file");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "GGUF file not found");
        }
        try (channel) {
            Arena arena = Arena.ofShared();
            try {
                long size = channel.size();
                MemorySegment map = size == 0 ? MemorySegment.ofArray(new byte[0])
                        : channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                return parse(map, path.toString(), arena);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        }
    }

    /** Validates and reads a GGUF file held in {@code bytes}; {@code source} names it in error messages. */
    public static GgufFile read(byte[] bytes, String source) throws CheckpointFormatException {
        return parse(MemorySegment.ofArray(bytes), source, null);
    }

    /** Whether {@code path} is a regular file that starts with the GGUF magic. */
    public static boolean isGguf(Path path) throws IOException {
        if (!Files.isRegularFile(path) || Files.size(path) < 4) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // read the four bytes, however the channel delivers them
            }
            return b.position() == 4 && b.getInt(0) == MAGIC;
        }
    }

    private static GgufFile parse(MemorySegment seg, String source, Arena arena) throws CheckpointFormatException {
        Cursor in = new Cursor(seg, source);
        long size = seg.byteSize();
        if (size < 24) {
            throw in.bad("is " + size + " bytes long, too short for a GGUF header (24 bytes)");
        }
        int magic = in.i32();
        if (magic != MAGIC) {
            throw in.bad("does not start with the GGUF magic (found bytes " + String.format("%08x", Integer.reverseBytes(magic))
                    + "); it is not a GGUF file");
        }
        int version = in.i32();
        if (version == 0x03000000 || version == 0x02000000) {
            throw in.bad("is a big-endian GGUF file (version bytes " + Integer.toHexString(version)
                    + "); only little-endian files are supported");
        }
        if (version != 2 && version != 3) {
            throw in.bad("has GGUF version " + Integer.toUnsignedString(version) + "; supported: 2 and 3");
        }
        long tensorCount = in.u64("the tensor count");
        long kvCount = in.u64("the metadata count");
        // Each key-value pair takes at least 13 bytes and each tensor info at least 24: counts that cannot fit are corrupt.
        if (kvCount > in.remaining() / 13) {
            throw in.bad("declares " + Long.toUnsignedString(kvCount) + " metadata entries but only " + in.remaining()
                    + " bytes follow the header; the file is truncated or corrupt");
        }
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long k = 0; k < kvCount; k++) {
            String key = in.string(MAX_KEY_BYTES, "metadata key " + k);
            GgufType type = in.type("metadata '" + key + "'");
            GgufValue value = in.value(type, "metadata '" + key + "'", 0);
            if (metadata.put(key, value) != null) {
                throw in.bad("has the metadata key '" + key + "' twice");
            }
        }
        long alignment = DEFAULT_ALIGNMENT;
        GgufValue a = metadata.get(ALIGNMENT_KEY);
        if (a != null) {
            if (a.type() != GgufType.UINT32) {
                throw in.bad("has " + ALIGNMENT_KEY + " of type " + a.type() + "; it must be a uint32");
            }
            alignment = a.asLong();
            if (alignment == 0 || Long.bitCount(alignment) != 1) {
                throw in.bad("has " + ALIGNMENT_KEY + " " + alignment + "; it must be a power of two");
            }
        }
        if (tensorCount > in.remaining() / 24) {
            throw in.bad("declares " + Long.toUnsignedString(tensorCount) + " tensors but only " + in.remaining()
                    + " bytes follow the metadata; the file is truncated or corrupt");
        }
        List<GgufTensorInfo> infos = new ArrayList<>();
        Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        for (long t = 0; t < tensorCount; t++) {
            GgufTensorInfo info = in.tensorInfo(t, alignment);
            if (byName.put(info.name(), info) != null) {
                throw in.bad("has two tensors named '" + info.name() + "'");
            }
            infos.add(info);
        }
        long dataStart = align(in.position(), alignment);
        if (tensorCount > 0 && dataStart > size) {
            throw in.bad("ends at byte " + size + " before its data section, which starts at byte " + dataStart
                    + "; the file is truncated");
        }
        long dataLength = Math.max(0, size - dataStart);
        infos.sort(Comparator.comparingLong(GgufTensorInfo::offset));
        long cursor = 0;
        String previous = null;
        for (GgufTensorInfo t : infos) {
            if (t.offset() < cursor) {
                throw in.bad("has tensor '" + t.name() + "' at data offset " + t.offset() + ", overlapping tensor '"
                        + previous + "', which ends at " + cursor);
            }
            long end = t.offset() + t.byteSize();
            if (end < 0 || end > dataLength) {
                throw in.bad("has tensor '" + t.name() + "' ending at data offset " + (end < 0 ? "beyond 2^63" : end)
                        + " but the data section holds only " + dataLength + " bytes; the file is truncated");
            }
            cursor = end;
            previous = t.name();
        }
        return new GgufFile(source, version, alignment, Collections.unmodifiableMap(metadata),
                Collections.unmodifiableMap(byName), dataStart, seg, arena);
    }

    static long align(long offset, long alignment) {
        return offset + (alignment - offset % alignment) % alignment;
    }

    /** Reads the header sections, naming the file and the item in every complaint. */
    private static final class Cursor {
        private final MemorySegment seg;
        private final String source;
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        private long pos;

        Cursor(MemorySegment seg, String source) {
            this.seg = seg;
            this.source = source;
        }

        CheckpointFormatException bad(String what) {
            return new CheckpointFormatException(source + " " + what);
        }

        long position() {
            return pos;
        }

        long remaining() {
            return seg.byteSize() - pos;
        }

        private void need(long bytes, String what) throws CheckpointFormatException {
            if (bytes < 0 || bytes > remaining()) {
                throw bad("ends inside " + what + " (at byte " + pos + ", " + Long.toUnsignedString(bytes)
                        + " bytes needed, " + remaining() + " left); the file is truncated or corrupt");
            }
        }

        int i32() throws CheckpointFormatException {
            need(4, "the header");
            int v = seg.get(I32, pos);
            pos += 4;
            return v;
        }

        long u64(String what) throws CheckpointFormatException {
            need(8, what);
            long v = seg.get(I64, pos);
            pos += 8;
            return v;
        }

        long u32(String what) throws CheckpointFormatException {
            need(4, what);
            long v = seg.get(I32, pos) & 0xFFFFFFFFL;
            pos += 4;
            return v;
        }

        GgufType type(String what) throws CheckpointFormatException {
            long id = u32("the value type of " + what);
            GgufType t = GgufType.byId(id);
            if (t == null) {
                throw bad("has " + what + " of unknown value type " + id + "; GGUF defines 0..12");
            }
            return t;
        }

        String string(long maxBytes, String what) throws CheckpointFormatException {
            long length = u64("the length of " + what);
            if (length < 0 || length > maxBytes) {
                throw bad("has " + what + " of " + Long.toUnsignedString(length) + " bytes, more than the "
                        + maxBytes + " allowed");
            }
            need(length, what);
            try {
                String s = utf8.decode(seg.asSlice(pos, length).asByteBuffer()).toString();
                pos += length;
                return s;
            } catch (CharacterCodingException e) {
                throw bad("has " + what + " that is not valid UTF-8 (at byte " + pos + ")");
            }
        }

        GgufValue value(GgufType type, String what, int depth) throws CheckpointFormatException {
            return switch (type) {
                case UINT8, INT8 -> {
                    need(1, what);
                    yield new GgufValue(type, null, seg.get(ValueLayout.JAVA_BYTE, pos++));
                }
                case BOOL -> {
                    need(1, what);
                    byte b = seg.get(ValueLayout.JAVA_BYTE, pos++);
                    if (b != 0 && b != 1) {
                        throw bad("has " + what + " a bool of value " + b + "; bools are 0 or 1");
                    }
                    yield GgufValue.bool(b == 1);
                }
                case UINT16, INT16 -> {
                    need(2, what);
                    short v = seg.get(I16, pos);
                    pos += 2;
                    yield new GgufValue(type, null, v);
                }
                case UINT32, INT32 -> {
                    need(4, what);
                    int v = seg.get(I32, pos);
                    pos += 4;
                    yield new GgufValue(type, null, v);
                }
                case UINT64, INT64 -> new GgufValue(type, null, u64(what));
                case FLOAT32 -> {
                    need(4, what);
                    float v = seg.get(F32, pos);
                    pos += 4;
                    yield GgufValue.float32(v);
                }
                case FLOAT64 -> {
                    need(8, what);
                    double v = seg.get(F64, pos);
                    pos += 8;
                    yield GgufValue.float64(v);
                }
                case STRING -> GgufValue.string(string(Integer.MAX_VALUE - 8, what));
                case ARRAY -> array(what, depth);
            };
        }

        private GgufValue array(String what, int depth) throws CheckpointFormatException {
            if (depth >= MAX_ARRAY_DEPTH) {
                throw bad("has " + what + " with arrays nested more than " + MAX_ARRAY_DEPTH + " deep");
            }
            GgufType element = type("the elements of " + what);
            long count = u64("the length of " + what);
            // The least each element can take: its own size, 8 bytes of length for a string, 12 of header for an array.
            long minBytes = element.size() > 0 ? element.size() : element == GgufType.STRING ? 8 : 12;
            if (count < 0 || count > remaining() / minBytes || count > Integer.MAX_VALUE - 8) {
                throw bad("has " + what + " declaring " + Long.toUnsignedString(count) + " elements of " + element
                        + " but only " + remaining() + " bytes remain; the file is truncated or corrupt");
            }
            int n = (int) count;
            Object values = switch (element) {
                case UINT8, INT8 -> {
                    byte[] v = seg.asSlice(pos, n).toArray(ValueLayout.JAVA_BYTE);
                    pos += n;
                    yield v;
                }
                case BOOL -> {
                    boolean[] v = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        v[i] = value(GgufType.BOOL, what, depth).asBoolean();
                    }
                    yield v;
                }
                case UINT16, INT16 -> {
                    short[] v = new short[n];
                    MemorySegment.copy(seg, I16, pos, v, 0, n);
                    pos += 2L * n;
                    yield v;
                }
                case UINT32, INT32 -> {
                    int[] v = new int[n];
                    MemorySegment.copy(seg, I32, pos, v, 0, n);
                    pos += 4L * n;
                    yield v;
                }
                case UINT64, INT64 -> {
                    long[] v = new long[n];
                    MemorySegment.copy(seg, I64, pos, v, 0, n);
                    pos += 8L * n;
                    yield v;
                }
                case FLOAT32 -> {
                    float[] v = new float[n];
                    MemorySegment.copy(seg, F32, pos, v, 0, n);
                    pos += 4L * n;
                    yield v;
                }
                case FLOAT64 -> {
                    double[] v = new double[n];
                    MemorySegment.copy(seg, F64, pos, v, 0, n);
                    pos += 8L * n;
                    yield v;
                }
                case STRING -> {
                    String[] v = new String[n];
                    for (int i = 0; i < n; i++) {
                        v[i] = string(Integer.MAX_VALUE - 8, what + " element " + i);
                    }
                    yield v;
                }
                case ARRAY -> {
                    GgufValue[] v = new GgufValue[n];
                    for (int i = 0; i < n; i++) {
                        v[i] = array(what + " element " + i, depth + 1);
                    }
                    yield v;
                }
            };
            return GgufValue.array(element, values);
        }

        GgufTensorInfo tensorInfo(long index, long alignment) throws CheckpointFormatException {
            String name = string(MAX_NAME_BYTES, "the name of tensor " + index);
            String what = "tensor '" + name + "'";
            long nDims = u32("the dimension count of " + what);
            if (nDims > MAX_DIMS) {
                throw bad("has " + what + " with " + nDims + " dimensions; at most " + MAX_DIMS + " are allowed");
            }
            long[] dims = new long[(int) nDims];
            long elements = 1;
            for (int d = 0; d < dims.length; d++) {
                dims[d] = u64("dimension " + d + " of " + what);
                if (dims[d] < 0) {
                    throw bad("has " + what + " with dimension " + d + " of " + Long.toUnsignedString(dims[d])
                            + ", beyond 2^63 - 1");
                }
                try {
                    elements = Math.multiplyExact(elements, dims[d]);
                } catch (ArithmeticException e) {
                    throw bad("has " + what + " whose dimensions " + Arrays.toString(dims) + " overflow 64 bits");
                }
            }
            long typeId = u32("the type of " + what);
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) {
                throw bad("has " + what + " of unknown ggml type " + typeId);
            }
            long offset = u64("the data offset of " + what);
            long ne0 = dims.length == 0 ? 1 : dims[0];
            long rows = ne0 == 0 ? 0 : elements / ne0;
            long bytes = type.byteSize(ne0, rows);
            if (bytes < 0) {
                throw bad("has " + what + " of type " + type + " whose first dimension " + ne0
                        + " is not a whole number of its " + type.blockSize() + "-value blocks (or its size overflows)");
            }
            if (offset < 0 || offset % alignment != 0) {
                throw bad("has " + what + " at data offset " + Long.toUnsignedString(offset) + ", not a multiple of the "
                        + "alignment " + alignment);
            }
            return new GgufTensorInfo(name, type, dims, offset, bytes);
        }
    }

    public String source() {
        return source;
    }

    public int version() {
        return version;
    }

    /** {@value #ALIGNMENT_KEY}, or {@value #DEFAULT_ALIGNMENT} when the file does not set it. */
    public long alignment() {
        return alignment;
    }

    /** Every metadata entry, in file order. */
    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    /** The metadata value of {@code key}, or null. */
    public GgufValue get(String key) {
        return metadata.get(key);
    }

    /** A required string entry. */
    public String string(String key) throws CheckpointFormatException {
        GgufValue v = require(key);
        if (v.type() != GgufType.STRING) {
            throw new CheckpointFormatException(source + ": metadata '" + key + "' is a " + v.type() + ", expected a string");
        }
        return v.asString();
    }

    /** A required integer entry of any integer type, as a long. */
    public long integer(String key) throws CheckpointFormatException {
        GgufValue v = require(key);
        if (!v.type().isInteger()) {
            throw new CheckpointFormatException(source + ": metadata '" + key + "' is a " + v.type() + ", expected an integer");
        }
        return v.asLong();
    }

    /** An integer entry, or {@code absent} when the file has none. */
    public long integer(String key, long absent) throws CheckpointFormatException {
        return metadata.containsKey(key) ? integer(key) : absent;
    }

    /** A required number entry of any numeric type. */
    public double number(String key) throws CheckpointFormatException {
        GgufValue v = require(key);
        if (!v.type().isInteger() && v.type() != GgufType.FLOAT32 && v.type() != GgufType.FLOAT64) {
            throw new CheckpointFormatException(source + ": metadata '" + key + "' is a " + v.type() + ", expected a number");
        }
        return v.asDouble();
    }

    /** A number entry, or {@code absent} when the file has none. */
    public double number(String key, double absent) throws CheckpointFormatException {
        return metadata.containsKey(key) ? number(key) : absent;
    }

    /** A bool entry, or {@code absent} when the file has none. */
    public boolean bool(String key, boolean absent) throws CheckpointFormatException {
        GgufValue v = metadata.get(key);
        if (v == null) {
            return absent;
        }
        if (v.type() != GgufType.BOOL) {
            throw new CheckpointFormatException(source + ": metadata '" + key + "' is a " + v.type() + ", expected a bool");
        }
        return v.asBoolean();
    }

    private GgufValue require(String key) throws CheckpointFormatException {
        GgufValue v = metadata.get(key);
        if (v == null) {
            throw new CheckpointFormatException(source + " has no metadata '" + key + "'");
        }
        return v;
    }

    /** All tensor infos, in file order. */
    public List<GgufTensorInfo> tensors() {
        return List.copyOf(tensors.values());
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public GgufTensorInfo info(String name) throws CheckpointFormatException {
        GgufTensorInfo t = tensors.get(name);
        if (t == null) {
            throw new CheckpointFormatException(source + " has no tensor '" + name + "'");
        }
        return t;
    }

    /** Offset of the data section in the file. */
    public long dataStart() {
        return dataStart;
    }

    /** A read-only view of the tensor's bytes; valid until {@link #close}. */
    public MemorySegment segment(String name) throws CheckpointFormatException {
        GgufTensorInfo t = info(name);
        return file.asSlice(dataStart + t.offset(), t.byteSize()).asReadOnly();
    }

    /** The tensor's bytes as stored, with its type and shape; any ggml type. */
    public GgufTensor tensor(String name) throws CheckpointFormatException {
        GgufTensorInfo t = info(name);
        if (t.byteSize() > Integer.MAX_VALUE - 8) {
            throw new CheckpointFormatException(source + ": tensor '" + name + "' is " + t.byteSize()
                    + " bytes, too large for one Java array");
        }
        return new GgufTensor(name, t.type(), t.shape(), segment(name).toArray(ValueLayout.JAVA_BYTE));
    }

    /** An F32, F16 or BF16 tensor decoded to FP32 (exactly: every F16 and BF16 value is a float), row-major shape. */
    public Tensor toTensor(String name) throws CheckpointFormatException {
        GgufTensorInfo t = info(name);
        DType dtype = switch (t.type()) {
            case F32 -> DType.F32;
            case F16 -> DType.F16;
            case BF16 -> DType.BF16;
            default -> throw new CheckpointFormatException(source + ": tensor '" + name + "' has type " + t.type()
                    + ", which does not decode to FP32 here; read Q8_0 and Q4_0 with q8_0()/q4_0() or any type raw");
        };
        long[] shape = t.shape();
        int[] s = new int[shape.length];
        for (int i = 0; i < s.length; i++) {
            if (shape[i] > Integer.MAX_VALUE) {
                throw new CheckpointFormatException(source + ": tensor '" + name + "' has dimension " + shape[i]
                        + ", too large for a Tensor");
            }
            s[i] = (int) shape[i];
        }
        if (t.elementCount() > Integer.MAX_VALUE - 8) {
            throw new CheckpointFormatException(source + ": tensor '" + name + "' has " + t.elementCount()
                    + " values, too many for one Java array");
        }
        return Tensor.of(TensorCodec.toFloats(dtype, segment(name), (int) t.elementCount()), s);
    }

    /** A Q8_0 tensor as a matrix of {@code rows()} rows of {@code ne0} values, its blocks as stored. */
    public Q8_0Tensor q8_0(String name) throws CheckpointFormatException {
        GgufTensorInfo t = quantized(name, GgmlType.Q8_0);
        return new Q8_0Tensor((int) t.rows(), (int) t.ne0(), segment(name).toArray(ValueLayout.JAVA_BYTE));
    }

    /** A Q4_0 tensor as a matrix of {@code rows()} rows of {@code ne0} values, its blocks as stored. */
    public Q4_0Tensor q4_0(String name) throws CheckpointFormatException {
        GgufTensorInfo t = quantized(name, GgmlType.Q4_0);
        return new Q4_0Tensor((int) t.rows(), (int) t.ne0(), segment(name).toArray(ValueLayout.JAVA_BYTE));
    }

    private GgufTensorInfo quantized(String name, GgmlType type) throws CheckpointFormatException {
        GgufTensorInfo t = info(name);
        if (t.type() != type) {
            throw new CheckpointFormatException(source + ": tensor '" + name + "' has type " + t.type() + ", not " + type);
        }
        if (t.rows() == 0 || t.ne0() == 0 || t.rows() > Integer.MAX_VALUE || t.ne0() > Integer.MAX_VALUE
                || t.byteSize() > Integer.MAX_VALUE - 8) {
            throw new CheckpointFormatException(source + ": tensor '" + name + "' of shape " + Arrays.toString(t.shape())
                    + " does not fit a " + type + " matrix held in one Java array");
        }
        return t;
    }

    /** Unmaps the file; segments obtained earlier become invalid. */
    @Override
    public synchronized void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "GgufFile[" + source + ", v" + version + ", " + metadata.size() + " metadata, " + tensors.size() + " tensors]";
    }
}
