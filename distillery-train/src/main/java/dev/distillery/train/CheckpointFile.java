package dev.distillery.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.distillery.io.AtomicFiles;
import dev.distillery.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * Our versioned training checkpoint, written atomically. Layout, little-endian:
 * <pre>
 *   offset 0   8 bytes   magic "DSTLCKPT"
 *          8   u32       format version (1)
 *         12   u64       header length H
 *         20   H bytes   UTF-8 JSON: {"state": TrainerState, "tensors": [{"name", "shape"}...],
 *                        "optimizerSteps": {parameter name: step}}
 *     20 + H   float32   every tensor's data, back to back in header order
 *   size − 8   u32       CRC-32C of all bytes before it
 *   size − 4   4 bytes   end marker "DEND"
 * </pre>
 * Tensors are named {@code model/<HF name>}, {@code adamw.exp_avg/<name>} and
 * {@code adamw.exp_avg_sq/<name>}. A reader checks magic, version and that the header's tensor
 * sizes add up to the file's length before allocating anything, and the checksum before
 * returning, so a truncated or damaged file gives a {@link CheckpointException}, never garbage or
 * an out-of-memory error.
 *
 * <p>Writing goes to a temporary file in the same folder, which is forced to disk and then renamed
 * over the target, so a crash leaves either the old or the new checkpoint, never half of one.
 */
public final class CheckpointFile {
    static final int VERSION = 1;
    private static final byte[] MAGIC = "DSTLCKPT".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "DEND".getBytes(StandardCharsets.US_ASCII);
    private static final int PREAMBLE_BYTES = 20;
    private static final int TRAILER_BYTES = 8;
    private static final int CHUNK_FLOATS = 1 << 16;
    private static final String MODEL = "model/";
    private static final String EXP_AVG = "adamw.exp_avg/";
    private static final String EXP_AVG_SQ = "adamw.exp_avg_sq/";

    // NaN and infinities appear in scores (no validation, no best yet)
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .build();

    record TensorEntry(String name, int[] shape) {
    }

    record Header(TrainerState state, List<TensorEntry> tensors, Map<String, Long> optimizerSteps) {
    }

    private CheckpointFile() {
    }

    /** Writes {@code checkpoint} to {@code file} atomically (temporary file, fsync, rename). */
    public static void write(Path file, Checkpoint checkpoint) {
        List<TensorEntry> entries = new ArrayList<>();
        List<float[]> data = new ArrayList<>();
        checkpoint.weights().forEach((name, t) -> {
            entries.add(new TensorEntry(MODEL + name, t.shape()));
            data.add(t.data());
        });
        Map<String, Long> steps = null;
        if (checkpoint.optimizer() != null) {
            steps = new LinkedHashMap<>();
            for (AdamW.ParamState p : checkpoint.optimizer().params()) {
                steps.put(p.name(), p.step());
                entries.add(new TensorEntry(EXP_AVG + p.name(), new int[] {p.expAvg().length}));
                data.add(p.expAvg());
                entries.add(new TensorEntry(EXP_AVG_SQ + p.name(), new int[] {p.expAvgSq().length}));
                data.add(p.expAvgSq());
            }
        }
        byte[] header;
        try {
            header = JSON.writeValueAsBytes(new Header(checkpoint.state(), entries, steps));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the checkpoint header", e);
        }
        try {
            AtomicFiles.write(file, out -> {
                CRC32C crc = new CRC32C();
                CheckedOutputStream checked = new CheckedOutputStream(out, crc);
                ByteBuffer pre = ByteBuffer.allocate(PREAMBLE_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                pre.put(MAGIC).putInt(VERSION).putLong(header.length);
                checked.write(pre.array());
                checked.write(header);
                ByteBuffer buf = ByteBuffer.allocate(CHUNK_FLOATS * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float[] d : data) {
                    for (int from = 0; from < d.length; from += CHUNK_FLOATS) {
                        int n = Math.min(CHUNK_FLOATS, d.length - from);
                        buf.clear();
                        buf.asFloatBuffer().put(d, from, n);
                        checked.write(buf.array(), 0, n * 4);
                    }
                }
                ByteBuffer trailer = ByteBuffer.allocate(TRAILER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                trailer.putInt((int) crc.getValue()).put(END);
                out.write(trailer.array());
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + file, e);
        }
    }

    /** Reads and verifies a checkpoint. */
    public static Checkpoint read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < PREAMBLE_BYTES + TRAILER_BYTES) {
                throw new CheckpointException(file, "is " + size + " bytes, too short for a checkpoint (truncated?)");
            }
            CRC32C crc = new CRC32C();
            ByteBuffer pre = readFully(ch, PREAMBLE_BYTES, file, crc);
            byte[] magic = new byte[MAGIC.length];
            pre.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new CheckpointException(file, "is not a Distillery training checkpoint (no DSTLCKPT magic)");
            }
            int version = pre.getInt();
            if (version != VERSION) {
                throw new CheckpointException(file, "has checkpoint format version " + version
                        + "; this Distillery reads version " + VERSION);
            }
            long headerLength = pre.getLong();
            long room = size - PREAMBLE_BYTES - TRAILER_BYTES;
            if (headerLength < 0 || headerLength > room || headerLength > Integer.MAX_VALUE - 8) {
                throw new CheckpointException(file, "declares a " + headerLength + "-byte header but holds "
                        + room + " bytes after the preamble (truncated or corrupt)");
            }
            ByteBuffer headerBytes = readFully(ch, (int) headerLength, file, crc);
            Header header;
            try {
                header = JSON.readValue(headerBytes.array(), Header.class);
            } catch (IOException e) {
                throw new CheckpointException(file, "has an unreadable header (corrupt file?): " + e.getMessage(), e);
            }
            if (header == null || header.state() == null || header.tensors() == null) {
                throw new CheckpointException(file, "has a header without state or tensor list");
            }
            long dataBytes = 0;
            for (TensorEntry t : header.tensors()) {
                long n = elements(t, file);
                dataBytes += n * 4;
            }
            long available = room - headerLength;
            if (dataBytes != available) {
                throw new CheckpointException(file, "header lists " + dataBytes + " bytes of tensor data but the file holds "
                        + available + (dataBytes > available ? " (truncated)" : " (trailing garbage)"));
            }
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK_FLOATS * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (TensorEntry t : header.tensors()) {
                float[] values = new float[(int) elements(t, file)];
                for (int from = 0; from < values.length; from += CHUNK_FLOATS) {
                    int n = Math.min(CHUNK_FLOATS, values.length - from);
                    buf.clear().limit(n * 4);
                    readInto(ch, buf, file);
                    buf.flip();
                    crc.update(buf.duplicate());
                    FloatBuffer fb = buf.asFloatBuffer();
                    fb.get(values, from, n);
                }
                if (tensors.put(t.name(), Tensor.of(values, t.shape())) != null) {
                    throw new CheckpointException(file, "lists tensor " + t.name() + " twice");
                }
            }
            ByteBuffer trailer = readFully(ch, TRAILER_BYTES, file, null);
            int storedCrc = trailer.getInt();
            byte[] end = new byte[END.length];
            trailer.get(end);
            if (!java.util.Arrays.equals(end, END)) {
                throw new CheckpointException(file, "lacks its end marker (truncated or corrupt)");
            }
            if (storedCrc != (int) crc.getValue()) {
                throw new CheckpointException(file, "fails its CRC-32C checksum: the file is corrupt");
            }
            return assemble(file, header, tensors);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file, "no such checkpoint file", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + file, e);
        }
    }

    private static Checkpoint assemble(Path file, Header header, Map<String, Tensor> tensors) {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        Map<String, float[]> expAvg = new LinkedHashMap<>();
        Map<String, float[]> expAvgSq = new LinkedHashMap<>();
        tensors.forEach((name, t) -> {
            if (name.startsWith(MODEL)) {
                weights.put(name.substring(MODEL.length()), t);
            } else if (name.startsWith(EXP_AVG)) {
                expAvg.put(name.substring(EXP_AVG.length()), t.data());
            } else if (name.startsWith(EXP_AVG_SQ)) {
                expAvgSq.put(name.substring(EXP_AVG_SQ.length()), t.data());
            } else {
                throw new CheckpointException(file, "holds tensor " + name + " of no known kind");
            }
        });
        AdamW.State optimizer = null;
        if (header.optimizerSteps() != null) {
            List<AdamW.ParamState> params = new ArrayList<>();
            for (Map.Entry<String, Long> e : header.optimizerSteps().entrySet()) {
                float[] m = expAvg.remove(e.getKey());
                float[] v = expAvgSq.remove(e.getKey());
                if (m == null || v == null) {
                    throw new CheckpointException(file, "lacks the AdamW moments of " + e.getKey());
                }
                params.add(new AdamW.ParamState(e.getKey(), e.getValue(), m, v));
            }
            optimizer = new AdamW.State(params);
        }
        if (!expAvg.isEmpty() || !expAvgSq.isEmpty()) {
            throw new CheckpointException(file, "holds AdamW moments without step counts");
        }
        return new Checkpoint(header.state(), weights, optimizer);
    }

    private static long elements(TensorEntry t, Path file) {
        if (t.name() == null || t.shape() == null) {
            throw new CheckpointException(file, "has a tensor entry without name or shape");
        }
        long n = 1;
        for (int d : t.shape()) {
            if (d < 0) {
                throw new CheckpointException(file, "tensor " + t.name() + " has a negative dimension");
            }
            n *= d;
            if (n > Integer.MAX_VALUE - 8) {
                throw new CheckpointException(file, "tensor " + t.name() + " is too large for one array");
            }
        }
        return n;
    }


    private static ByteBuffer readFully(FileChannel ch, int n, Path file, CRC32C crc) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        readInto(ch, buf, file);
        buf.flip();
        if (crc != null) {
            crc.update(buf.duplicate());
        }
        return buf;
    }

    private static void readInto(FileChannel ch, ByteBuffer buf, Path file) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new CheckpointException(file, "ends early (truncated)");
            }
        }
    }

}
