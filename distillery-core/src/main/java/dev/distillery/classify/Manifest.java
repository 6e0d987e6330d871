package dev.distillery.classify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.data.DatasetException;
import dev.distillery.data.TextTransform;
import dev.distillery.eval.TemperatureFit;
import dev.distillery.io.AtomicFiles;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.HfConfig;
import dev.distillery.io.JsonFiles;
import dev.distillery.quant.QuantizationInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code distillery.json}: what a saved classifier needs at prediction time beyond the Hugging Face
 * files, and how it was made. Layout (version {@value #FORMAT_VERSION}):
 * <pre>{@code
 * {"format": "distillery-classifier", "format_version": 1,
 *  "labels": ["0", "1"], "text_transform": "url-normalize", "max_length": 64,
 *  "provenance": {"command": "...", "created_utc": "...", "data": [{"role", "path", "size_bytes", "sha256"}],
 *                 "options": {"epochs": "3", ...}, "seed": 42, "jdk": "...", "os": "...", "cpu": "..."},
 *  "metrics": {"test": {"accuracy": 0.97, "f1": 0.96, ...}, "validation": {...}},
 *  "calibration": {"temperature": 1.7, "fitted_on": "validation: /data/validation.csv.gz (975 rows)", "examples": 975,
 *                  "model": "this model (fp32)", "objective": "nll", "fitted_temperature": 1.7,
 *                  "guard": "accepted: ...", "ece_before": 0.08, "ece_after": 0.02, "nll_before": 0.31, "nll_after": 0.24},
 *  "quantization": {...},
 *  "files": {"config.json": {"size_bytes": 612, "sha256": "..."}, "model.safetensors": {...}, ...}}
 * }</pre>
 * {@code calibration} is optional: manifests written before it existed load as uncalibrated (T = 1).
 * {@code quantization} is present only for a quantized classifier (see {@link QuantizationInfo}); manifests
 * without it load as before. {@code files} records every other file of the folder ({@link ModelFolder}); manifests
 * written before it existed load unchecked.
 *
 * @param labels        class names in logit order; must equal config.json's id2label
 * @param textTransform id of the {@link TextTransform} applied to every text before tokenizing
 * @param maxLength     tokens per text, special tokens included; longer texts are cut
 * @param provenance    how the model was made, or null when not recorded
 * @param metrics       scores by split name, then metric name
 * @param calibration   the temperature applied to logits before the softmax, or null for none (T = 1)
 * @param quantization  how the weights are quantized, or null for an FP32 classifier
 * @param files         size and SHA-256 of every other file in the folder by name, or null when not recorded (a
 *                      manifest not yet written, or one written before digests were recorded)
 */
public record Manifest(int formatVersion, List<String> labels, String textTransform, int maxLength, Provenance provenance,
                       Map<String, Map<String, Double>> metrics, Calibration calibration, QuantizationInfo quantization,
                       Map<String, FileDigest> files) {
    public static final String FILE = "distillery.json";
    public static final String FORMAT = "distillery-classifier";
    public static final int FORMAT_VERSION = 1;
    /** Shared by the package; Jackson mappers are thread-safe once configured. */
    static final ObjectMapper JSON = new ObjectMapper();

    public Manifest {
        labels = List.copyOf(labels);
        Map<String, Map<String, Double>> copy = new LinkedHashMap<>();
        metrics.forEach((k, v) -> copy.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
        metrics = Collections.unmodifiableMap(copy);
        files = files == null ? null : Collections.unmodifiableMap(new TreeMap<>(files));
    }

    /** A manifest whose files are recorded when it is written ({@link ModelFolder#write}). */
    public Manifest(int formatVersion, List<String> labels, String textTransform, int maxLength, Provenance provenance,
                    Map<String, Map<String, Double>> metrics, Calibration calibration, QuantizationInfo quantization) {
        this(formatVersion, labels, textTransform, maxLength, provenance, metrics, calibration, quantization, null);
    }

    /** A manifest of an uncalibrated FP32 classifier, as every manifest was before calibration and quantization. */
    public Manifest(int formatVersion, List<String> labels, String textTransform, int maxLength, Provenance provenance,
                    Map<String, Map<String, Double>> metrics) {
        this(formatVersion, labels, textTransform, maxLength, provenance, metrics, null, null, null);
    }

    /**
     * Temperature scaling fitted on held-out data (see {@link dev.distillery.eval.TemperatureScaling}).
     *
     * @param temperature divides every logit before the softmax; &gt; 0
     * @param fittedOn    which data it was fitted on, e.g. {@code "validation: /data/validation.csv.gz (975 rows)"}
     * @param examples    rows of that data
     * @param eceBefore   ECE (15 bins) on that data with T = 1
     * @param eceAfter    ECE on that data with {@code temperature}
     * @param nllBefore   mean negative log-likelihood with T = 1, in nats
     * @param nllAfter    the same with {@code temperature}
     * @param model       which model's logits it was fitted on: {@code "this model (int8)"}, or the FP32 source
     *                    whose temperature a quantized folder carries when no validation data was given
     * @param objective   what the fit minimised, {@code "nll"} or {@code "ece"}
     * @param fittedTemperature the temperature the fit found; differs from {@code temperature} (then 1) when the
     *                    guard of {@link dev.distillery.eval.TemperatureScaling#choose} rejected it
     * @param guard       the guard's verdict with its held-out figures, or empty when not recorded
     */
    public record Calibration(double temperature, String fittedOn, long examples, double eceBefore, double eceAfter,
                              double nllBefore, double nllAfter, String model, String objective, double fittedTemperature,
                              String guard) {
        public Calibration {
            if (!(temperature > 0) || !Double.isFinite(temperature)) {
                throw new IllegalArgumentException("a calibration temperature must be positive and finite, got " + temperature);
            }
        }

        /** A plain NLL fit applied as found, as manifests recorded before the guard existed. */
        public Calibration(double temperature, String fittedOn, long examples, double eceBefore, double eceAfter,
                           double nllBefore, double nllAfter) {
            this(temperature, fittedOn, examples, eceBefore, eceAfter, nllBefore, nllAfter, "", "nll", temperature, "");
        }

        /** The fit and guard's outcome on {@code examples} held-out rows named {@code fittedOn}, of {@code model}. */
        public static Calibration of(TemperatureFit f, String fittedOn, String model) {
            return new Calibration(f.temperature(), fittedOn, f.examples(), f.eceBefore(), f.eceAfter(), f.nllBefore(),
                    f.nllAfter(), model, f.objective().id(), f.fitted(), f.guard());
        }

        /** This calibration as carried into a model it was not fitted on, said in {@link #model}. */
        public Calibration carriedFrom(String source) {
            return new Calibration(temperature, fittedOn, examples, eceBefore, eceAfter, nllBefore, nllAfter,
                    "carried over from " + source, objective, fittedTemperature, guard);
        }
    }

    public static Manifest of(List<String> labels, TextTransform transform, int maxLength) {
        return new Manifest(FORMAT_VERSION, labels, transform.id(), maxLength, null, Map.of(), null, null, null);
    }

    /** The temperature prediction divides logits by: the calibration's, or 1 without one. */
    public double temperature() {
        return calibration == null ? 1 : calibration.temperature();
    }

    public Manifest withCalibration(Calibration c) {
        return new Manifest(formatVersion, labels, textTransform, maxLength, provenance, metrics, c, quantization, files);
    }

    public TextTransform transform() {
        return TextTransform.fromId(textTransform);
    }

    public Manifest withProvenance(Provenance p) {
        return new Manifest(formatVersion, labels, textTransform, maxLength, p, metrics, calibration, quantization, files);
    }

    public Manifest withMetrics(String split, Map<String, Double> scores) {
        Map<String, Map<String, Double>> m = new LinkedHashMap<>(metrics);
        m.put(split, scores);
        return new Manifest(formatVersion, labels, textTransform, maxLength, provenance, m, calibration, quantization, files);
    }

    /** This manifest for the classifier quantized as {@code q} (null: FP32). */
    public Manifest withQuantization(QuantizationInfo q) {
        return new Manifest(formatVersion, labels, textTransform, maxLength, provenance, metrics, calibration, q, files);
    }

    /** This manifest recording {@code digests} as the folder's files. */
    public Manifest withFiles(Map<String, FileDigest> digests) {
        return new Manifest(formatVersion, labels, textTransform, maxLength, provenance, metrics, calibration, quantization,
                digests);
    }

    public boolean isQuantized() {
        return quantization != null;
    }

    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, HfConfig.pretty(toJson()));
    }

    public ObjectNode toJson() {
        ObjectNode o = Manifest.JSON.createObjectNode();
        o.put("format", FORMAT);
        o.put("format_version", formatVersion);
        ArrayNode l = o.putArray("labels");
        labels.forEach(l::add);
        o.put("text_transform", textTransform);
        o.put("max_length", maxLength);
        if (provenance != null) {
            ObjectNode p = o.putObject("provenance");
            p.put("command", provenance.command());
            p.put("created_utc", provenance.createdUtc());
            ArrayNode data = p.putArray("data");
            for (DataFile f : provenance.data()) {
                ObjectNode d = data.addObject();
                d.put("role", f.role());
                d.put("path", f.path());
                d.put("size_bytes", f.sizeBytes());
                d.put("sha256", f.sha256());
            }
            ObjectNode opts = p.putObject("options");
            provenance.options().forEach(opts::put);
            p.put("seed", provenance.seed());
            p.put("jdk", provenance.jdk());
            p.put("os", provenance.os());
            p.put("cpu", provenance.cpu());
        }
        ObjectNode m = o.putObject("metrics");
        metrics.forEach((split, scores) -> {
            ObjectNode s = m.putObject(split);
            scores.forEach((name, value) -> {
                if (Double.isFinite(value)) {
                    s.put(name, value);
                } else {
                    s.putNull(name); // JSON has no NaN: an undefined score (ROC-AUC with one class) is null
                }
            });
        });
        if (calibration != null) {
            ObjectNode c = o.putObject("calibration");
            c.put("temperature", calibration.temperature());
            c.put("fitted_on", calibration.fittedOn());
            c.put("examples", calibration.examples());
            c.put("model", calibration.model());
            c.put("objective", calibration.objective());
            putFinite(c, "fitted_temperature", calibration.fittedTemperature());
            c.put("guard", calibration.guard());
            putFinite(c, "ece_before", calibration.eceBefore());
            putFinite(c, "ece_after", calibration.eceAfter());
            putFinite(c, "nll_before", calibration.nllBefore());
            putFinite(c, "nll_after", calibration.nllAfter());
        }
        if (quantization != null) {
            o.set("quantization", quantization.toJson());
        }
        if (files != null) {
            ObjectNode f = o.putObject("files");
            files.forEach((name, d) -> {
                ObjectNode entry = f.putObject(name);
                entry.put("size_bytes", d.sizeBytes());
                entry.put("sha256", d.sha256());
            });
        }
        return o;
    }

    private static void putFinite(ObjectNode o, String name, double value) {
        if (Double.isFinite(value)) {
            o.put(name, value);
        } else {
            o.putNull(name);
        }
    }

    /**
     * The quantization recorded in {@code dir}'s manifest; null when the folder holds FP32 weights or
     * has no manifest (a plain Hugging Face folder).
     */
    public static QuantizationInfo quantizationIn(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        return Files.isRegularFile(file) ? read(file).quantization() : null;
    }

    /**
     * Reads and checks a manifest.
     *
     * @throws CheckpointFormatException when the file is not a manifest of a version this build reads, or a field is
     *                                   missing or of the wrong type
     */
    public static Manifest read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null,
                    "no " + FILE + " manifest; expected a folder saved by distillery train-teacher");
        }
        JsonNode root = JsonFiles.read(file);
        if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText(null))) {
            throw new CheckpointFormatException(file + " is not a Distillery manifest: expected \"format\": \"" + FORMAT + "\"");
        }
        int version = requireInt(root, "format_version", file);
        if (version != FORMAT_VERSION) {
            throw new CheckpointFormatException(file + " has format_version " + version + "; this build reads version "
                    + FORMAT_VERSION + " only, so use a newer Distillery");
        }
        JsonNode labelsNode = root.get("labels");
        if (labelsNode == null || !labelsNode.isArray() || labelsNode.isEmpty()) {
            throw new CheckpointFormatException(file + ": \"labels\" must be a non-empty array of label names");
        }
        List<String> labels = new ArrayList<>();
        for (JsonNode n : labelsNode) {
            if (!n.isTextual()) {
                throw new CheckpointFormatException(file + ": \"labels\" must hold strings, found " + n);
            }
            labels.add(n.asText());
        }
        String transform = requireText(root, "text_transform", file);
        try {
            TextTransform.fromId(transform);
        } catch (DatasetException e) {
            throw new CheckpointFormatException(file + ": " + e.getMessage());
        }
        int maxLength = requireInt(root, "max_length", file);
        if (maxLength < 3) {
            throw new CheckpointFormatException(file + ": max_length " + maxLength + " leaves no room for text between [CLS] and [SEP]");
        }
        Provenance provenance = null;
        JsonNode p = root.get("provenance");
        if (p != null && p.isObject()) {
            List<DataFile> data = new ArrayList<>();
            for (JsonNode d : p.path("data")) {
                data.add(new DataFile(d.path("role").asText(), d.path("path").asText(), d.path("size_bytes").asLong(),
                        d.path("sha256").asText()));
            }
            Map<String, String> options = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = p.path("options").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                options.put(e.getKey(), e.getValue().asText());
            }
            provenance = new Provenance(p.path("command").asText(), p.path("created_utc").asText(), data, options,
                    p.path("seed").asLong(), p.path("jdk").asText(), p.path("os").asText(), p.path("cpu").asText());
        }
        Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("metrics").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> split = it.next();
            Map<String, Double> scores = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> s = split.getValue().fields(); s.hasNext(); ) {
                Map.Entry<String, JsonNode> e = s.next();
                scores.put(e.getKey(), e.getValue().isNumber() ? e.getValue().doubleValue() : Double.NaN);
            }
            metrics.put(split.getKey(), scores);
        }
        Calibration calibration = null;
        JsonNode c = root.get("calibration");
        if (c != null && !c.isNull()) {
            JsonNode t = c.get("temperature");
            if (!c.isObject() || t == null || !t.isNumber() || !(t.doubleValue() > 0) || !Double.isFinite(t.doubleValue())) {
                throw new CheckpointFormatException(file + ": \"calibration\" must be an object whose \"temperature\" is a"
                        + " positive number, found " + c);
            }
            calibration = new Calibration(t.doubleValue(), c.path("fitted_on").asText(""), c.path("examples").asLong(),
                    numberOrNaN(c, "ece_before"), numberOrNaN(c, "ece_after"), numberOrNaN(c, "nll_before"),
                    numberOrNaN(c, "nll_after"), c.path("model").asText(""), c.path("objective").asText("nll"),
                    c.has("fitted_temperature") ? numberOrNaN(c, "fitted_temperature") : t.doubleValue(),
                    c.path("guard").asText(""));
        }
        JsonNode q = root.get("quantization");
        QuantizationInfo quantization = q == null || q.isNull() ? null : QuantizationInfo.fromJson(q, file);
        return new Manifest(version, labels, transform, maxLength, provenance, metrics, calibration, quantization,
                files(root.get("files"), file));
    }

    /** The {@code files} object: plain file names (never a path out of the folder) to size and lower-case hex SHA-256. */
    private static Map<String, FileDigest> files(JsonNode node, Path file) throws CheckpointFormatException {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new CheckpointFormatException(file + ": \"files\" must map file names to {\"size_bytes\", \"sha256\"}, found "
                    + node.getNodeType());
        }
        Map<String, FileDigest> out = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String name = e.getKey();
            if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\\")
                    || name.indexOf('\0') >= 0 || name.equals(FILE)) {
                throw new CheckpointFormatException(file + ": \"files\" names '" + name + "', which is not a file beside"
                        + " the manifest");
            }
            JsonNode size = e.getValue().get("size_bytes");
            JsonNode sha = e.getValue().get("sha256");
            if (size == null || !size.isIntegralNumber() || !size.canConvertToLong() || size.longValue() < 0
                    || sha == null || !sha.isTextual() || !sha.textValue().matches("[0-9a-f]{64}")) {
                throw new CheckpointFormatException(file + ": \"files\".'" + name + "' must be {\"size_bytes\": a size,"
                        + " \"sha256\": 64 lower-case hex digits}, found " + e.getValue());
            }
            out.put(name, new FileDigest(size.longValue(), sha.textValue()));
        }
        return out;
    }

    private static double numberOrNaN(JsonNode o, String field) {
        JsonNode n = o.get(field);
        return n != null && n.isNumber() ? n.doubleValue() : Double.NaN;
    }

    private static int requireInt(JsonNode root, String field, Path file) throws CheckpointFormatException {
        JsonNode n = root.get(field);
        if (n == null || !n.canConvertToInt() || !n.isIntegralNumber()) {
            throw new CheckpointFormatException(file + ": \"" + field + "\" must be an integer, found " + n);
        }
        return n.intValue();
    }

    private static String requireText(JsonNode root, String field, Path file) throws CheckpointFormatException {
        JsonNode n = root.get(field);
        if (n == null || !n.isTextual()) {
            throw new CheckpointFormatException(file + ": \"" + field + "\" must be a string, found " + n);
        }
        return n.asText();
    }
}
