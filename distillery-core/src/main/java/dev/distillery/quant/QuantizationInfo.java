package dev.distillery.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.io.CheckpointFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a saved classifier is quantized: the {@code quantization} object of its manifest. Layout
 * (version {@value #LAYOUT_VERSION}):
 * <pre>{@code
 * "quantization": {"layout_version": 1, "scheme": "nf4-dq",
 *   "tensors": {"bert.encoder.layer.0.attention.self.query.weight": "nf4-dq", ...},
 *   "skipped": ["classifier.weight", ...], "kept_for_accuracy": [...], "max_f1_drop": 0.005}
 * }</pre>
 *
 * @param scheme          the scheme asked for
 * @param tensors         canonical weight name to the format it is stored in; tensors not listed are FP32
 * @param skipped         2-D weights left FP32 by {@code --skip}, the defaults (head, small tables) or a shape the
 *                        scheme cannot take
 * @param keptForAccuracy weights held at higher precision to stay within the F1 budget
 * @param maxF1Drop       the budget, NaN when none was given
 */
public record QuantizationInfo(QuantScheme scheme, Map<String, QuantScheme> tensors, List<String> skipped,
                               List<String> keptForAccuracy, double maxF1Drop) {
    public static final int LAYOUT_VERSION = 1;

    public QuantizationInfo {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        skipped = List.copyOf(skipped);
        keptForAccuracy = List.copyOf(keptForAccuracy);
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("layout_version", LAYOUT_VERSION);
        o.put("scheme", scheme.id());
        ObjectNode t = o.putObject("tensors");
        tensors.forEach((name, s) -> t.put(name, s.id()));
        ArrayNode s = o.putArray("skipped");
        skipped.forEach(s::add);
        ArrayNode k = o.putArray("kept_for_accuracy");
        keptForAccuracy.forEach(k::add);
        if (Double.isFinite(maxF1Drop)) {
            o.put("max_f1_drop", maxF1Drop);
        } else {
            o.putNull("max_f1_drop");
        }
        return o;
    }

    /**
     * Reads the object written by {@link #toJson}.
     *
     * @throws CheckpointFormatException naming {@code file} and the field when it is malformed
     */
    public static QuantizationInfo fromJson(JsonNode o, Path file) throws CheckpointFormatException {
        if (o == null || !o.isObject()) {
            throw new CheckpointFormatException(file + ": \"quantization\" must be an object, found " + o);
        }
        int version = o.path("layout_version").asInt(-1);
        if (version != LAYOUT_VERSION) {
            throw new CheckpointFormatException(file + ": quantization layout_version " + o.get("layout_version")
                    + " is not one this build reads (" + LAYOUT_VERSION + "); use a newer Distillery");
        }
        QuantScheme scheme = scheme(o.get("scheme"), file, "scheme");
        JsonNode t = o.get("tensors");
        if (t == null || !t.isObject()) {
            throw new CheckpointFormatException(file + ": quantization \"tensors\" must map weight names to schemes");
        }
        Map<String, QuantScheme> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            tensors.put(e.getKey(), scheme(e.getValue(), file, "tensors." + e.getKey()));
        }
        JsonNode drop = o.get("max_f1_drop");
        return new QuantizationInfo(scheme, tensors, strings(o.get("skipped"), file, "skipped"),
                strings(o.get("kept_for_accuracy"), file, "kept_for_accuracy"),
                drop != null && drop.isNumber() ? drop.doubleValue() : Double.NaN);
    }

    private static QuantScheme scheme(JsonNode n, Path file, String field) throws CheckpointFormatException {
        if (n == null || !n.isTextual()) {
            throw new CheckpointFormatException(file + ": quantization \"" + field + "\" must be a scheme name, found " + n);
        }
        try {
            return QuantScheme.fromId(n.asText());
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file + ": quantization \"" + field + "\": " + e.getMessage());
        }
    }

    private static List<String> strings(JsonNode n, Path file, String field) throws CheckpointFormatException {
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            throw new CheckpointFormatException(file + ": quantization \"" + field + "\" must be an array of names");
        }
        for (JsonNode s : n) {
            out.add(s.asText());
        }
        return out;
    }
}
