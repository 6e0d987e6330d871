package dev.distillery.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.distillery.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
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
import java.util.Optional;

/**
 * A safetensors file opened for reading: its validated header, and its data section mapped into
 * memory so tensors are read on demand without loading the whole file.
 *
 * <p>Layout (https://github.com/huggingface/safetensors): an unsigned 64-bit little-endian header
 * length N; N bytes of UTF-8 JSON, an object mapping each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} plus an optional {@code "__metadata__"}
 * string-to-string map; then the data section, in which offsets are relative and end-exclusive.
 *
 * <p>{@link #open} checks everything before it maps or allocates anything sized by the file: the
 * header length against {@value #MAX_HEADER_BYTES} bytes and the file size, strict UTF-8 and JSON
 * (duplicate keys are errors), each entry's fields and types, the dtype, that the dtype size times
 * the shape (overflow-checked) equals the byte range, and that the ranges tile the data section
 * exactly, with no overlap and no gap. Any failure is a {@link CheckpointFormatException}.
 *
 * <p>Life cycle: open, read tensors, close; tensors returned as arrays are copies and stay valid
 * after close, segments do not.
 * <pre>{@code
 * try (SafetensorsFile f = SafetensorsFile.open(path)) {
 *     Tensor w = f.toTensor("classifier.weight");   // Tensor[2, 384]
 * }
 * }</pre>
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The reference implementation's limit; a larger header is treated as corruption. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    public static final String METADATA_KEY = "__metadata__";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength((int) MAX_HEADER_BYTES)
                .maxNestingDepth(64)
                .build());
    }

    private final Path path;
    private final long fileSize;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors; // in data-offset order
    private final Map<String, String> metadata;
    private final Arena arena;
    private final MemorySegment data;

    private SafetensorsFile(Path path, long fileSize, long dataStart, Map<String, TensorInfo> tensors,
            Map<String, String> metadata, Arena arena, MemorySegment data) {
        this.path = path;
        this.fileSize = fileSize;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
        this.arena = arena;
        this.data = data;
    }

    /** Opens and validates {@code path}; see the class comment for what is checked. */
    public static SafetensorsFile open(Path path) throws IOException {
        String file = path.toString();
        if (Files.isDirectory(path)) {
            throw new CheckpointFormatException(file + " is a folder, not a safetensors file");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file, null, "safetensors file not found");
        }
        try (channel) {
            long size = channel.size();
            if (size < 8) {
                throw new CheckpointFormatException(file + " is " + size
                        + " bytes long, too short for the 8-byte header length of a safetensors file");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0, file);
            long headerLength = lengthBytes.getLong(0);
            if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
                throw new CheckpointFormatException(file + " declares a header of " + Long.toUnsignedString(headerLength)
                        + " bytes, more than the " + MAX_HEADER_BYTES + "-byte limit; the file is corrupt or not safetensors");
            }
            if (headerLength > size - 8) {
                throw new CheckpointFormatException(file + " declares a header of " + headerLength
                        + " bytes but only " + (size - 8) + " bytes follow the length; the file is truncated or not safetensors");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8, file);
            long dataStart = 8 + headerLength;
            long dataLength = size - dataStart;
            Header parsed = parseHeader(header.array(), dataLength, file);
            Arena arena = Arena.ofShared();
            MemorySegment data;
            try {
                data = dataLength == 0 ? MemorySegment.NULL
                        : channel.map(FileChannel.MapMode.READ_ONLY, dataStart, dataLength, arena);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
            return new SafetensorsFile(path, size, dataStart, parsed.tensors, parsed.metadata, arena, data);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position, String file) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new CheckpointFormatException(file + " ended while reading its header; the file is truncated");
            }
            at += n;
        }
    }

    record Header(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
    }

    /** Parses and validates a header against a data section of {@code dataLength} bytes. */
    static Header parseHeader(byte[] utf8, long dataLength, String file) throws CheckpointFormatException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8)).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointFormatException(file + ": the safetensors header is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(file + ": the safetensors header is not valid JSON ("
                    + e.getOriginalMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointFormatException(file + ": the safetensors header must be a JSON object");
        }
        Map<String, String> metadata = Map.of();
        List<TensorInfo> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (name.equals(METADATA_KEY)) {
                metadata = parseMetadata(value, file);
            } else {
                entries.add(parseEntry(name, value, file));
            }
        }
        entries.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long cursor = 0;
        String previous = null;
        for (TensorInfo t : entries) {
            if (t.end() > dataLength) {
                throw new CheckpointFormatException(file + ": tensor '" + t.name() + "' ends at byte " + t.end()
                        + " of a data section of only " + dataLength + " bytes; the file is truncated or corrupt");
            }
            if (t.begin() < cursor) {
                throw new CheckpointFormatException(file + ": tensor '" + t.name() + "' at bytes [" + t.begin() + ", "
                        + t.end() + ") overlaps tensor '" + previous + "', which ends at byte " + cursor);
            }
            if (t.begin() > cursor) {
                throw new CheckpointFormatException(file + ": tensor '" + t.name() + "' starts at byte " + t.begin()
                        + " but the previous tensor ends at byte " + cursor + ", leaving a gap in the data section");
            }
            cursor = t.end();
            previous = t.name();
        }
        if (cursor != dataLength) {
            throw new CheckpointFormatException(file + ": the tensors cover " + cursor + " bytes but the data section holds "
                    + dataLength + "; the file has trailing bytes or a wrong header length");
        }
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo t : entries) {
            byName.put(t.name(), t);
        }
        return new Header(Collections.unmodifiableMap(byName), metadata);
    }

    private static Map<String, String> parseMetadata(JsonNode node, String file) throws CheckpointFormatException {
        if (!node.isObject()) {
            throw new CheckpointFormatException(file + ": \"" + METADATA_KEY + "\" must be an object of strings, not "
                    + node.getNodeType().toString().toLowerCase());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new CheckpointFormatException(file + ": metadata entry '" + e.getKey() + "' must be a string, not "
                        + e.getValue().getNodeType().toString().toLowerCase());
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(out);
    }

    private static TensorInfo parseEntry(String name, JsonNode node, String file) throws CheckpointFormatException {
        String where = file + ": tensor '" + name + "'";
        if (!node.isObject()) {
            throw new CheckpointFormatException(where + " must be an object with dtype, shape and data_offsets");
        }
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsetsNode = node.get("data_offsets");
        if (dtypeNode == null || shapeNode == null || offsetsNode == null) {
            String missing = dtypeNode == null ? "dtype" : shapeNode == null ? "shape" : "data_offsets";
            throw new CheckpointFormatException(where + " has no \"" + missing + "\" field");
        }
        if (!dtypeNode.isTextual()) {
            throw new CheckpointFormatException(where + " has a dtype that is not a string");
        }
        Optional<DType> dtype = DType.fromHeaderName(dtypeNode.textValue());
        if (dtype.isEmpty()) {
            throw new CheckpointFormatException(where + " has unsupported dtype '" + dtypeNode.textValue()
                    + "'; known dtypes are " + Arrays.toString(DType.values()));
        }
        if (!shapeNode.isArray()) {
            throw new CheckpointFormatException(where + " has a shape that is not an array of integers");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegativeLong(shapeNode.get(i), where + " has shape dimension " + i);
        }
        if (!offsetsNode.isArray() || offsetsNode.size() != 2) {
            throw new CheckpointFormatException(where + " has data_offsets that are not an array of two integers");
        }
        long begin = nonNegativeLong(offsetsNode.get(0), where + " has a begin offset");
        long end = nonNegativeLong(offsetsNode.get(1), where + " has an end offset");
        if (end < begin) {
            throw new CheckpointFormatException(where + " has data_offsets [" + begin + ", " + end + "] that end before they begin");
        }
        long elements = 1;
        for (long d : shape) {
            if (d != 0 && elements > Long.MAX_VALUE / d) {
                throw new CheckpointFormatException(where + " has shape " + Arrays.toString(shape)
                        + " whose element count overflows 64 bits");
            }
            elements *= d;
        }
        long bytes = dtype.get().byteSize(elements);
        if (bytes < 0) {
            throw new CheckpointFormatException(where + " has shape " + Arrays.toString(shape) + " whose " + elements
                    + " " + dtype.get() + " values do not fill a whole number of bytes (or overflow 64 bits)");
        }
        if (bytes != end - begin) {
            throw new CheckpointFormatException(where + " has dtype " + dtype.get() + " and shape " + Arrays.toString(shape)
                    + ", which need " + bytes + " bytes, but its data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        return new TensorInfo(name, dtype.get(), shape, begin, end);
    }

    private static long nonNegativeLong(JsonNode n, String what) throws CheckpointFormatException {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw new CheckpointFormatException(what + " of " + n + ", expected a non-negative integer below 2^63");
        }
        return n.longValue();
    }

    public Path path() {
        return path;
    }

    public long fileSizeBytes() {
        return fileSize;
    }

    /** Offset of the data section in the file: 8 plus the header length. */
    public long dataStart() {
        return dataStart;
    }

    /** The {@code __metadata__} map, empty when absent. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** All tensors, in data-offset order. */
    public List<TensorInfo> tensors() {
        return List.copyOf(tensors.values());
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The header entry for {@code name}. */
    public TensorInfo info(String name) throws CheckpointFormatException {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new CheckpointFormatException(path + " has no tensor '" + name + "'");
        }
        return t;
    }

    /** A read-only view of the tensor's bytes in the mapped file; valid until {@link #close}. */
    public MemorySegment segment(String name) throws CheckpointFormatException {
        TensorInfo t = info(name);
        if (t.byteSize() == 0) {
            return MemorySegment.ofArray(new byte[0]);
        }
        return data.asSlice(t.begin(), t.byteSize()).asReadOnly();
    }

    /** A copy of the tensor's stored bytes. */
    public RawTensor raw(String name) throws CheckpointFormatException {
        TensorInfo t = info(name);
        if (t.byteSize() > Integer.MAX_VALUE - 8) {
            throw new CheckpointFormatException(path + ": tensor '" + name + "' is " + t.byteSize()
                    + " bytes, too large for one Java array");
        }
        return new RawTensor(t.dtype(), t.shape(), segment(name).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
    }

    /** The tensor decoded to FP32 (see {@link TensorCodec#toFloats} for which dtypes decode). */
    public Tensor toTensor(String name) throws CheckpointFormatException {
        TensorInfo t = info(name);
        if (!t.dtype().decodesToFloat()) {
            throw new CheckpointFormatException(path + ": tensor '" + name + "' has dtype " + t.dtype()
                    + ", which cannot be converted to float; read its raw bytes instead");
        }
        int[] shape = t.intShape();
        if (shape == null || t.elementCount() > Integer.MAX_VALUE - 8) {
            throw new CheckpointFormatException(path + ": tensor '" + name + "' of shape " + Arrays.toString(t.shape())
                    + " is too large for one Java array");
        }
        return Tensor.of(TensorCodec.toFloats(t.dtype(), segment(name), (int) t.elementCount()), shape);
    }

    /** Unmaps the file; segments obtained earlier become invalid. */
    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
