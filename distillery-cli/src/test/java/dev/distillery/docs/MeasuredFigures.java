package dev.distillery.docs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's "Measured figures" table, built from the study pages of {@code docs/results/} so the
 * README never disagrees with the data. The pages are read in the order the index
 * ({@code docs/results/README.md}) links them; each holds a block fenced as {@code figures}:
 * <pre>
 * ```figures
 * machine: AMD EPYC Zen 4, AVX-512
 *
 * figure: MiniLM throughput, batch 32 × 64 tokens
 * value: {bench-minilm/bench.json#/throughputRatio|%.2f}× ONNX Runtime
 * ```
 * </pre>
 * Records are separated by blank lines; a record with only {@code machine:} sets the page's machine.
 * In a value, {@code {FILE#POINTER|FORMAT}} is the number at that JSON pointer (RFC 6901) of a raw
 * file beside the page, printed with a {@link String#format} pattern; {@code {A / B|FORMAT}} and
 * {@code {A - B|FORMAT}} print the ratio or difference of two such references (or of a reference and a
 * number: {@code {run.json#/seconds / 60|%.1f}} minutes). A value without
 * references is a figure whose raw output was not kept; the table says so.
 */
public final class MeasuredFigures {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}|]+)\\|([^{}]+)}");
    private static final Pattern REFERENCE = Pattern.compile("([^#\\s]+)#(\\S*)");
    private static final Pattern INDEX_LINK = Pattern.compile("\\]\\(([A-Za-z0-9._-]+\\.md)\\)");

    /** One row of the table. */
    public record Figure(String page, String title, String figure, String value, String machine, Set<String> raw) {
    }

    private MeasuredFigures() {
    }

    /** Every figure of every study page linked from {@code results/README.md}, in the index's order. */
    public static List<Figure> read(Path results) throws IOException {
        String index = Files.readString(results.resolve("README.md"), StandardCharsets.UTF_8);
        Set<String> pages = new LinkedHashSet<>();
        Matcher m = INDEX_LINK.matcher(index);
        while (m.find()) {
            pages.add(m.group(1));
        }
        List<Figure> figures = new ArrayList<>();
        for (String page : pages) {
            figures.addAll(page(results, page));
        }
        return figures;
    }

    /** The Markdown table, ending in a newline; links are relative to the repository root. */
    public static String table(Path results) throws IOException {
        StringBuilder b = new StringBuilder("| figure | measured | machine | raw data | study |\n|---|---|---|---|---|\n");
        for (Figure f : read(results)) {
            String raw = f.raw().isEmpty() ? "not kept"
                    : String.join(", ", f.raw().stream().map(r -> "[" + Path.of(r).getFileName() + "](docs/results/" + r + ")").toList());
            b.append("| ").append(f.figure()).append(" | ").append(f.value()).append(" | ").append(f.machine()).append(" | ")
                    .append(raw).append(" | [").append(f.title()).append("](docs/results/").append(f.page()).append(") |\n");
        }
        return b.toString();
    }

    static List<Figure> page(Path results, String page) throws IOException {
        Path file = results.resolve(page);
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        String title = lines.stream().filter(l -> l.startsWith("# ")).findFirst()
                .orElseThrow(() -> new IllegalStateException(file + " has no '# ' title")).substring(2).strip();
        List<Map<String, String>> records = new ArrayList<>();
        boolean inBlock = false;
        Map<String, String> current = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!inBlock) {
                inBlock = line.strip().equals("```figures");
                continue;
            }
            if (line.strip().equals("```") || line.isBlank()) {
                if (!current.isEmpty()) {
                    records.add(current);
                    current = new LinkedHashMap<>();
                }
                inBlock = !line.strip().equals("```");
                continue;
            }
            int colon = line.indexOf(':');
            String key = colon < 0 ? "" : line.substring(0, colon).strip();
            if (!List.of("machine", "figure", "value").contains(key) || current.containsKey(key)) {
                throw new IllegalStateException(file + ":" + (i + 1) + ": expected one 'figure:', 'value:' or 'machine:' line"
                        + " per record, got: " + line);
            }
            current.put(key, line.substring(colon + 1).strip());
        }
        if (inBlock) {
            throw new IllegalStateException(file + ": the figures block is not closed with ```");
        }
        String machine = null;
        List<Figure> figures = new ArrayList<>();
        for (Map<String, String> r : records) {
            if (r.keySet().equals(Set.of("machine"))) {
                machine = r.get("machine");
                continue;
            }
            if (!r.containsKey("figure") || !r.containsKey("value")) {
                throw new IllegalStateException(file + ": a figures record needs 'figure:' and 'value:', got " + r);
            }
            String m = r.getOrDefault("machine", machine);
            if (m == null) {
                throw new IllegalStateException(file + ": no 'machine:' for the figure " + r.get("figure"));
            }
            Set<String> raw = new LinkedHashSet<>();
            String value = resolve(results, file, r.get("value"), raw);
            figures.add(new Figure(page, title, r.get("figure"), value, m, raw));
        }
        return figures;
    }

    /** The value with every placeholder replaced by its formatted number; the raw files it read go into {@code raw}. */
    private static String resolve(Path results, Path page, String value, Set<String> raw) throws IOException {
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String expression = m.group(1).strip();
            String format = m.group(2);
            Object result;
            String[] parts = expression.split(" ([/-]) ");
            if (parts.length == 2) {
                double a = number(results, page, parts[0], raw);
                double b = number(results, page, parts[1], raw);
                result = expression.contains(" / ") ? a / b : a - b;
            } else if (parts.length == 1) {
                JsonNode n = node(results, page, expression, raw);
                result = n.isNumber() ? (Object) n.doubleValue() : n.asText();
            } else {
                throw new IllegalStateException(page + ": cannot read the placeholder {" + m.group() + "}");
            }
            String text;
            try {
                text = String.format(Locale.ROOT, format, result);
            } catch (java.util.IllegalFormatException e) {
                throw new IllegalStateException(page + ": format " + format + " does not fit " + result + " in " + m.group());
            }
            m.appendReplacement(out, Matcher.quoteReplacement(text));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static double number(Path results, Path page, String reference, Set<String> raw) throws IOException {
        if (reference.strip().matches("-?[0-9]+(\\.[0-9]+)?")) {
            return Double.parseDouble(reference.strip());
        }
        JsonNode n = node(results, page, reference, raw);
        if (!n.isNumber()) {
            throw new IllegalStateException(page + ": " + reference + " is not a number but " + n);
        }
        return n.doubleValue();
    }

    private static JsonNode node(Path results, Path page, String reference, Set<String> raw) throws IOException {
        Matcher r = REFERENCE.matcher(reference.strip());
        if (!r.matches()) {
            throw new IllegalStateException(page + ": expected FILE#/json/pointer, got " + reference);
        }
        Path file = results.resolve(r.group(1)).normalize();
        if (!file.startsWith(results) || !Files.isRegularFile(file)) {
            throw new IllegalStateException(page + ": no raw file " + file);
        }
        JsonNode n = JSON.readTree(file.toFile()).at(r.group(2));
        if (n.isMissingNode() || n.isNull()) {
            throw new IllegalStateException(page + ": " + file + " has nothing at " + r.group(2));
        }
        raw.add(results.relativize(file).toString().replace('\\', '/'));
        return n;
    }
}
