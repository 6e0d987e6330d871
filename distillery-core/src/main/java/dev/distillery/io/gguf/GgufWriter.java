package dev.distillery.io.gguf;

import dev.distillery.io.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes GGUF version 3 files (ggml's docs/gguf.md) that {@link GgufFile} and llama.cpp read:
 * the metadata in the order given, the tensor infos in the order given with offsets aligned to
 * {@code general.alignment} (32 unless the metadata sets it), and each tensor's bytes followed by
 * zero padding to the alignment, as ggml's own writer lays them out. The file is written through
 * {@link AtomicFiles}, so a reader never sees half of it.
 *
 * <pre>{@code
 * GgufWriter.write(path, Map.of("general.architecture", GgufValue.string("llama")),
 *         List.of(GgufTensor.of("token_embd.weight", embedding, GgmlType.F16)));
 * }</pre>
 */
public final class GgufWriter {
    private GgufWriter() {
    }

    public static void write(Path file, Map<String, GgufValue> metadata, List<GgufTensor> tensors) throws IOException {
        long alignment = alignmentOf(metadata);
        checkNames(tensors);
        AtomicFiles.write(file, out -> writeTo(out, metadata, tensors, alignment));
    }

    /** The bytes {@link #write} would put in a file. */
    public static byte[] toBytes(Map<String, GgufValue> metadata, List<GgufTensor> tensors) {
        long alignment = alignmentOf(metadata);
        checkNames(tensors);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeTo(out, metadata, tensors, alignment);
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
        return out.toByteArray();
    }

    private static long alignmentOf(Map<String, GgufValue> metadata) {
        GgufValue a = metadata.get(GgufFile.ALIGNMENT_KEY);
        if (a == null) {
            return GgufFile.DEFAULT_ALIGNMENT;
        }
        if (a.type() != GgufType.UINT32 || a.asLong() == 0 || Long.bitCount(a.asLong()) != 1) {
            throw new IllegalArgumentException(GgufFile.ALIGNMENT_KEY + " must be a uint32 power of two, was " + a);
        }
        return a.asLong();
    }

    private static void checkNames(List<GgufTensor> tensors) {
        Set<String> seen = new HashSet<>();
        for (GgufTensor t : tensors) {
            if (t.name().getBytes(StandardCharsets.UTF_8).length > GgufFile.MAX_NAME_BYTES) {
                throw new IllegalArgumentException("tensor name '" + t.name() + "' is longer than "
                        + GgufFile.MAX_NAME_BYTES + " bytes");
            }
            if (!seen.add(t.name())) {
                throw new IllegalArgumentException("two tensors are named '" + t.name() + "'");
            }
        }
    }

    private static void writeTo(OutputStream out, Map<String, GgufValue> metadata, List<GgufTensor> tensors,
                                long alignment) throws IOException {
        Sink s = new Sink(out);
        s.i32(GgufFile.MAGIC);
        s.i32(GgufFile.VERSION);
        s.i64(tensors.size());
        s.i64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            s.string(e.getKey());
            s.i32(e.getValue().type().id());
            value(s, e.getValue());
        }
        long offset = 0;
        for (GgufTensor t : tensors) {
            s.string(t.name());
            long[] dims = t.dims();
            s.i32(dims.length);
            for (long d : dims) {
                s.i64(d);
            }
            s.i32(t.type().id());
            s.i64(offset);
            offset = GgufFile.align(offset + t.data().length, alignment);
        }
        s.pad(alignment);
        for (GgufTensor t : tensors) {
            s.bytes(t.data());
            s.pad(alignment);
        }
    }

    private static void value(Sink s, GgufValue v) throws IOException {
        Object x = v.value();
        switch (v.type()) {
            case UINT8, INT8 -> s.u8((Byte) x);
            case BOOL -> s.u8((Boolean) x ? 1 : 0);
            case UINT16, INT16 -> s.i16((Short) x);
            case UINT32, INT32 -> s.i32((Integer) x);
            case UINT64, INT64 -> s.i64((Long) x);
            case FLOAT32 -> s.i32(Float.floatToRawIntBits((Float) x));
            case FLOAT64 -> s.i64(Double.doubleToRawLongBits((Double) x));
            case STRING -> s.string((String) x);
            case ARRAY -> {
                s.i32(v.elementType().id());
                s.i64(v.length());
                switch (v.elementType()) {
                    case UINT8, INT8 -> s.bytes((byte[]) x);
                    case BOOL -> {
                        for (boolean b : (boolean[]) x) {
                            s.u8(b ? 1 : 0);
                        }
                    }
                    case UINT16, INT16 -> {
                        for (short e : (short[]) x) {
                            s.i16(e);
                        }
                    }
                    case UINT32, INT32 -> {
                        for (int e : (int[]) x) {
                            s.i32(e);
                        }
                    }
                    case UINT64, INT64 -> {
                        for (long e : (long[]) x) {
                            s.i64(e);
                        }
                    }
                    case FLOAT32 -> {
                        for (float e : (float[]) x) {
                            s.i32(Float.floatToRawIntBits(e));
                        }
                    }
                    case FLOAT64 -> {
                        for (double e : (double[]) x) {
                            s.i64(Double.doubleToRawLongBits(e));
                        }
                    }
                    case STRING -> {
                        for (String e : (String[]) x) {
                            s.string(e);
                        }
                    }
                    case ARRAY -> {
                        // A nested array is written as an array value is: element type, length, elements.
                        for (GgufValue e : (GgufValue[]) x) {
                            value(s, e);
                        }
                    }
                }
            }
        }
    }

    /** Little-endian output that counts its position, for the alignment padding. */
    private static final class Sink {
        private final OutputStream out;
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        long position;

        Sink(OutputStream out) {
            this.out = out;
        }

        void u8(int v) throws IOException {
            out.write(v);
            position++;
        }

        void i16(short v) throws IOException {
            scratch.clear();
            out.write(scratch.putShort(v).array(), 0, 2);
            position += 2;
        }

        void i32(int v) throws IOException {
            scratch.clear();
            out.write(scratch.putInt(v).array(), 0, 4);
            position += 4;
        }

        void i64(long v) throws IOException {
            scratch.clear();
            out.write(scratch.putLong(v).array(), 0, 8);
            position += 8;
        }

        void bytes(byte[] b) throws IOException {
            out.write(b);
            position += b.length;
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(b);
        }

        void pad(long alignment) throws IOException {
            long n = GgufFile.align(position, alignment) - position;
            for (long i = 0; i < n; i++) {
                u8(0);
            }
        }
    }
}
