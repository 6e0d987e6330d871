package dev.distillery.classify;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * A content-keyed teacher-logits cache: a teacher's raw logits over a corpus, one row per distinct
 * text, keyed by the SHA-256 of the text the teacher saw (after its recorded text transform), so
 * the same URL always maps to the same key on every machine. The labelling job of
 * {@code distillery-spark} writes it; {@code distill --teacher-logits} reads it and computes only
 * the rows it lacks.
 *
 * <p>A cache is a folder:
 * <pre>
 * distillery-logits.json   this record: format, teacher name and fingerprint, labels, transform, max length, rows
 * parquet/part-*.parquet   key STRING (64 hex digits), logits ARRAY&lt;FLOAT&gt; in label order; the logits
 *                          column's metadata repeats this record, so a copy of the Parquet alone says whose it is
 * jsonl/part-*.json[.gz]   the same rows as JSON lines {"key":"…","logits":[…]}: what {@link #lookup} reads,
 *                          with no Hadoop or Parquet library (docs/spark.md gives the measured reason)
 * </pre>
 * The record is written last, so a folder with one is complete. Floats in JSON are written as the
 * shortest decimal that reads back to the same float32 ({@link Float#toString}) and read with
 * {@link Float#parseFloat}, so the logits cross machines bit for bit; text has no byte order.
 *
 * @param teacherName        the teacher folder's name, for messages
 * @param teacherFingerprint {@link #fingerprint} of the teacher folder
 * @param labels             the teacher's label names; logits come in this order
 * @param textTransform      the transform applied before hashing and tokenizing ({@link Manifest#textTransform})
 * @param maxLength          tokens per text the logits were computed with
 * @param rows               rows in the cache (distinct keys)
 * @param createdUtc         ISO-8601 instant the cache was completed
 */
public record LogitsCache(String teacherName, String teacherFingerprint, List<String> labels, String textTransform,
                          int maxLength, long rows, String createdUtc) {
    public static final String FILE = "distillery-logits.json";
    public static final String FORMAT = "distillery-teacher-logits";
    public static final int FORMAT_VERSION = 1;
    public static final String PARQUET_DIR = "parquet";
    public static final String JSONL_DIR = "jsonl";
    public static final String KEY = "key";
    public static final String LOGITS = "logits";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory LINES = new JsonFactory();
    private static final HexFormat HEX = HexFormat.of();
    private static final Pattern HEX_DIGITS = Pattern.compile("[0-9a-f]{64}");

    public LogitsCache {
        labels = List.copyOf(labels);
    }

    /** The key of a text as the teacher sees it: lower-case hex SHA-256 of its UTF-8 bytes. */
    public static String key(String preparedText) {
        return HEX.formatHex(sha256().digest(preparedText.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The identity of a model folder: SHA-256 over its regular files in name order, each as its name,
     * a zero byte, its length (8 bytes, big-endian) and its bytes. Two folders with the same files
     * have the same fingerprint wherever they are; any changed weight, tokenizer or manifest changes it.
     */
    public static String fingerprint(Path modelFolder) throws IOException {
        if (!Files.isDirectory(modelFolder)) {
            throw new NoSuchFileException(modelFolder.toString(), null, "model folder not found");
        }
        MessageDigest d = sha256();
        List<Path> files;
        try (Stream<Path> s = Files.list(modelFolder)) {
            files = s.filter(Files::isRegularFile).sorted((a, b) -> a.getFileName().toString()
                    .compareTo(b.getFileName().toString())).toList();
        }
        byte[] buffer = new byte[1 << 16];
        for (Path f : files) {
            d.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
            d.update((byte) 0);
            long size = Files.size(f);
            for (int i = 7; i >= 0; i--) {
                d.update((byte) (size >>> (8 * i)));
            }
            try (InputStream in = Files.newInputStream(f)) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    d.update(buffer, 0, n);
                }
            }
        }
        return HEX.formatHex(d.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT);
        o.put("format_version", FORMAT_VERSION);
        o.put("teacher", teacherName);
        o.put("teacher_fingerprint", teacherFingerprint);
        ArrayNode l = o.putArray("labels");
        labels.forEach(l::add);
        o.put("text_transform", textTransform);
        o.put("max_length", maxLength);
        o.put("rows", rows);
        o.put("key", "sha256 of the UTF-8 text after text_transform, lower-case hex");
        o.put("created_utc", createdUtc);
        return o;
    }

    public String toJsonString() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson()) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serialises", e);
        }
    }

    /**
     * Reads {@code dir}'s record and checks it is a complete cache of a version this build reads.
     *
     * @throws LogitsCacheException when the folder is not a cache, is incomplete, or the record is damaged
     */
    public static LogitsCache read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isDirectory(dir)) {
            throw new LogitsCacheException(dir, "is not a folder; expected a teacher-logits cache written by the labelling job");
        }
        if (!Files.isRegularFile(file)) {
            throw new LogitsCacheException(dir, "has no " + FILE + ": not a teacher-logits cache, or its labelling job did"
                    + " not finish (the record is written last)");
        }
        return parse(Files.readString(file), file);
    }

    static LogitsCache parse(String text, Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new LogitsCacheException(file, "is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText(null))) {
            throw new LogitsCacheException(file, "is not a teacher-logits record: expected \"format\": \"" + FORMAT + "\"");
        }
        int version = root.path("format_version").asInt(-1);
        if (version != FORMAT_VERSION) {
            throw new LogitsCacheException(file, "has format_version " + root.path("format_version")
                    + "; this build reads version " + FORMAT_VERSION);
        }
        JsonNode labels = root.get("labels");
        if (labels == null || !labels.isArray() || labels.isEmpty()) {
            throw new LogitsCacheException(file, "has no \"labels\" array");
        }
        List<String> names = new ArrayList<>();
        labels.forEach(n -> names.add(n.asText()));
        String fingerprint = root.path("teacher_fingerprint").asText("");
        if (!HEX_DIGITS.matcher(fingerprint).matches()) {
            throw new LogitsCacheException(file, "has no 64-hex-digit \"teacher_fingerprint\"");
        }
        JsonNode maxLength = root.get("max_length");
        JsonNode rows = root.get("rows");
        if (maxLength == null || !maxLength.canConvertToInt() || maxLength.asInt() < 3 || rows == null
                || !rows.canConvertToLong() || rows.asLong() < 0) {
            throw new LogitsCacheException(file, "needs a \"max_length\" of at least 3 and a non-negative \"rows\"");
        }
        return new LogitsCache(root.path("teacher").asText("?"), fingerprint, names,
                root.path("text_transform").asText(""), maxLength.asInt(), rows.asLong(), root.path("created_utc").asText(""));
    }

    /**
     * Checks that this cache holds the logits {@code teacher} (saved in {@code teacherFolder}) gives at
     * {@code maxLength} tokens: the same folder fingerprint, labels, transform and length.
     *
     * @param source the cache folder, for messages
     * @throws LogitsCacheException naming what differs
     */
    public void requireMatches(Path source, Path teacherFolder, Classifier teacher, int maxLength) throws IOException {
        String expected = fingerprint(teacherFolder);
        if (!expected.equals(teacherFingerprint)) {
            throw new LogitsCacheException(source, "holds the logits of teacher " + teacherName + " (fingerprint "
                    + teacherFingerprint.substring(0, 12) + "), not of " + teacherFolder + " (fingerprint "
                    + expected.substring(0, 12) + "); label the corpus with this teacher or distil from that one");
        }
        if (!labels.equals(teacher.labels().names())) {
            throw new LogitsCacheException(source, "holds logits over labels " + labels + " but the teacher has "
                    + teacher.labels().names());
        }
        if (!textTransform.equals(teacher.manifest().textTransform())) {
            throw new LogitsCacheException(source, "keys texts after the transform " + textTransform
                    + " but the teacher applies " + teacher.manifest().textTransform());
        }
        if (maxLength != this.maxLength) {
            throw new LogitsCacheException(source, "holds logits computed at " + this.maxLength + " tokens per text, but"
                    + " this run uses " + maxLength + "; label again with that max length or distil with --max-length "
                    + this.maxLength);
        }
    }

    /**
     * The logits of those {@code keys} the cache holds, read from the JSON-lines files of {@code dir}.
     * Every line is checked (a 64-hex-digit key, one finite logit per label) and the lines are
     * counted against {@link #rows}, so a damaged or cut-short cache is an error, not fewer hits.
     *
     * @return key to logits {@code [labels]}, for the keys found
     * @throws LogitsCacheException naming the file and line of the first bad row, or the missing rows
     */
    public Map<String, float[]> lookup(Path dir, Collection<String> keys) throws IOException {
        Set<String> wanted = keys instanceof Set<String> s ? s : Set.copyOf(keys);
        Path lines = dir.resolve(JSONL_DIR);
        if (!Files.isDirectory(lines)) {
            throw new LogitsCacheException(dir, "has no " + JSONL_DIR + "/ folder of JSON-lines logits");
        }
        List<Path> parts;
        try (Stream<Path> s = Files.list(lines)) {
            parts = s.filter(p -> {
                String name = p.getFileName().toString();
                return name.startsWith("part-") && (name.endsWith(".json") || name.endsWith(".json.gz"));
            }).sorted().toList();
        }
        Map<String, float[]> found = new HashMap<>();
        long seen = 0;
        for (Path part : parts) {
            seen += readPart(part, wanted, found);
        }
        if (seen != rows) {
            throw new LogitsCacheException(dir, "should hold " + rows + " rows (" + FILE + ") but its " + JSONL_DIR
                    + "/ files hold " + seen + "; the copy is incomplete or damaged");
        }
        return found;
    }

    private long readPart(Path part, Set<String> wanted, Map<String, float[]> found) throws IOException {
        long count = 0;
        try (InputStream raw = Files.newInputStream(part);
             InputStream in = part.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            int lineNumber = 0;
            for (String line; (line = reader.readLine()) != null; ) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                count++;
                String key = null;
                float[] logits = null;
                try (JsonParser p = LINES.createParser(line)) {
                    if (p.nextToken() != JsonToken.START_OBJECT) {
                        throw bad(part, lineNumber, "is not a JSON object");
                    }
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String field = p.currentName();
                        JsonToken value = p.nextToken();
                        if (field.equals(KEY) && value == JsonToken.VALUE_STRING) {
                            key = p.getText();
                        } else if (field.equals(LOGITS) && value == JsonToken.START_ARRAY) {
                            logits = floats(p, part, lineNumber);
                        } else {
                            p.skipChildren();
                        }
                    }
                } catch (JsonProcessingException e) {
                    throw bad(part, lineNumber, "is not valid JSON (" + e.getOriginalMessage() + ")");
                }
                if (key == null || !HEX_DIGITS.matcher(key).matches()) {
                    throw bad(part, lineNumber, "has no 64-hex-digit \"" + KEY + "\"");
                }
                if (logits == null || logits.length != labels.size()) {
                    throw bad(part, lineNumber, "has " + (logits == null ? "no" : logits.length) + " logits; the cache's"
                            + " labels " + labels + " need " + labels.size());
                }
                if (wanted.contains(key)) {
                    found.put(key, logits);
                }
            }
        }
        return count;
    }

    private static float[] floats(JsonParser p, Path part, int lineNumber) throws IOException {
        float[] out = new float[4];
        int n = 0;
        for (JsonToken t; (t = p.nextToken()) != JsonToken.END_ARRAY; ) {
            if (t != JsonToken.VALUE_NUMBER_FLOAT && t != JsonToken.VALUE_NUMBER_INT) {
                throw bad(part, lineNumber, "has a logit that is not a number: " + p.getText());
            }
            // parsed as float32 from the decimal itself: through a double first could round twice
            float v = Float.parseFloat(p.getText());
            if (!Float.isFinite(v)) {
                throw bad(part, lineNumber, "has a logit " + p.getText() + " outside float range");
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, 2 * n);
            }
            out[n++] = v;
        }
        return Arrays.copyOf(out, n);
    }

    private static LogitsCacheException bad(Path part, int line, String problem) {
        return new LogitsCacheException(part, "line " + line + " " + problem);
    }
}
