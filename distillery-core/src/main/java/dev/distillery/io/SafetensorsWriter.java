package dev.distillery.io;

import dev.distillery.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes safetensors files byte for byte as the reference Rust implementation
 * ({@code safetensors::serialize}) does, so the same tensors give the same file:
 * <ul>
 *   <li>tensors sorted by dtype alignment, largest first (the {@link DType} declaration order,
 *       reversed), then by name compared as UTF-8 bytes; data laid out in that order, no gaps;</li>
 *   <li>a compact JSON header ({@code ","} and {@code ":"} without spaces), {@code "__metadata__"}
 *       first when given (its keys sorted; the Rust map has no defined order), then each tensor as
 *       {@code {"dtype":..,"shape":[..],"data_offsets":[b,e]}};</li>
 *   <li>the header padded with spaces to a multiple of 8 bytes, so every tensor of up to 8-byte
 *       elements starts aligned in a file that is itself mapped at an aligned address.</li>
 * </ul>
 * The file is written through {@link AtomicFiles}.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {
    }

    /** Writes raw tensors with an optional {@code __metadata__} map (null for none). */
    public static void write(Path file, Map<String, RawTensor> tensors, Map<String, String> metadata) throws IOException {
        List<Map.Entry<String, RawTensor>> ordered = order(tensors);
        byte[] header = header(ordered, metadata);
        AtomicFiles.write(file, out -> {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
            for (Map.Entry<String, RawTensor> e : ordered) {
                out.write(e.getValue().data());
            }
        });
    }

    /** Encodes FP32 tensors as {@code dtype} (see {@link TensorCodec#encode}) and writes them. */
    public static void writeFloats(Path file, Map<String, Tensor> tensors, DType dtype, Map<String, String> metadata)
            throws IOException {
        Map<String, RawTensor> raw = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            raw.put(e.getKey(), TensorCodec.encode(e.getValue(), dtype));
        }
        write(file, raw, metadata);
    }

    static List<Map.Entry<String, RawTensor>> order(Map<String, RawTensor> tensors) {
        List<Map.Entry<String, RawTensor>> ordered = new ArrayList<>(tensors.entrySet());
        Comparator<Map.Entry<String, RawTensor>> byAlignment =
                Comparator.comparing((Map.Entry<String, RawTensor> e) -> e.getValue().dtype()).reversed();
        ordered.sort(byAlignment.thenComparing((a, b) -> Arrays.compareUnsigned(
                a.getKey().getBytes(StandardCharsets.UTF_8), b.getKey().getBytes(StandardCharsets.UTF_8))));
        return ordered;
    }

    /** The padded header bytes for tensors already in file order. */
    static byte[] header(List<Map.Entry<String, RawTensor>> ordered, Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{");
        boolean first = true;
        if (metadata != null) {
            json.append("\"").append(SafetensorsFile.METADATA_KEY).append("\":{");
            boolean firstMeta = true;
            for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
                if (!firstMeta) {
                    json.append(',');
                }
                firstMeta = false;
                appendString(json, e.getKey());
                json.append(':');
                appendString(json, e.getValue());
            }
            json.append('}');
            first = false;
        }
        long offset = 0;
        for (Map.Entry<String, RawTensor> e : ordered) {
            if (e.getKey().equals(SafetensorsFile.METADATA_KEY)) {
                throw new IllegalArgumentException("a tensor cannot be named " + SafetensorsFile.METADATA_KEY);
            }
            if (!first) {
                json.append(',');
            }
            first = false;
            RawTensor t = e.getValue();
            appendString(json, e.getKey());
            json.append(":{\"dtype\":\"").append(t.dtype().name()).append("\",\"shape\":[");
            long[] shape = t.shape();
            for (int i = 0; i < shape.length; i++) {
                json.append(i == 0 ? "" : ",").append(shape[i]);
            }
            long end = offset + t.data().length;
            json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        json.append('}');
        byte[] utf8 = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (utf8.length + 7) / 8 * 8;
        ByteArrayOutputStream out = new ByteArrayOutputStream(padded);
        out.writeBytes(utf8);
        for (int i = utf8.length; i < padded; i++) {
            out.write(' ');
        }
        return out.toByteArray();
    }

    /** JSON string escaping as serde_json and Python's json (ensure_ascii=False) do it. */
    private static void appendString(StringBuilder json, String s) {
        json.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                case '\b' -> json.append("\\b");
                case '\f' -> json.append("\\f");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }
}
