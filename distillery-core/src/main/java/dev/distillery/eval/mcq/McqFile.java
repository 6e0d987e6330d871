package dev.distillery.eval.mcq;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.io.AtomicFiles;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Multiple-choice questions as JSON Lines (optionally gzipped), one question per line:
 * <pre>
 * {"question": "...", "options": {"A": "...", "B": "...", "C": "...", "D": "..."}, "answer": "B"}
 * </pre>
 * {@code options} may also be a JSON array (labelled A, B, ... in order); object keys must be the
 * letters A, B, C, ... in order, so that a letter means one thing in the file and in the prompt.
 * This is the layout of the CyberMetric sets in {@code shared/datasets/cyber-mcq}. Blank lines are
 * skipped; anything else that is not such a question stops the read with the file and line named.
 */
public final class McqFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private McqFile() {
    }

    /**
     * @throws NoSuchFileException   when {@code file} does not exist
     * @throws McqFormatException    naming the file, the line and what is wrong
     */
    public static List<McqQuestion> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such question file");
        }
        try (InputStream raw = Files.newInputStream(file)) {
            InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
            return read(in, file.toString());
        }
    }

    /** Questions from a stream; {@code source} names it in errors. */
    public static List<McqQuestion> read(InputStream in, String source) throws IOException {
        List<McqQuestion> out = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        int line = 0;
        for (String text; (text = r.readLine()) != null; ) {
            line++;
            if (text.isBlank()) {
                continue;
            }
            out.add(parse(text, source, line));
        }
        if (out.isEmpty()) {
            throw new McqFormatException(source + " holds no questions");
        }
        return out;
    }

    private static McqQuestion parse(String text, String source, int line) {
        String where = source + ", line " + line;
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new McqFormatException(where + ": not JSON (" + e.getOriginalMessage() + ")");
        }
        if (!(node instanceof ObjectNode o)) {
            throw new McqFormatException(where + ": expected an object {\"question\", \"options\", \"answer\"}");
        }
        JsonNode q = o.get("question");
        if (q == null || !q.isTextual() || q.asText().isBlank()) {
            throw new McqFormatException(where + ": \"question\" is missing or not a non-empty string");
        }
        List<String> options = new ArrayList<>();
        JsonNode opts = o.get("options");
        if (opts instanceof ObjectNode obj) {
            Iterator<Map.Entry<String, JsonNode>> it = obj.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (options.size() >= McqQuestion.MAX_OPTIONS || !e.getKey().equals(McqQuestion.letter(options.size()))) {
                    throw new McqFormatException(where + ": option keys must be A, B, C, ... in order; found \""
                            + e.getKey() + "\" where " + (options.size() < McqQuestion.MAX_OPTIONS
                            ? "\"" + McqQuestion.letter(options.size()) + "\"" : "no more options") + " belongs");
                }
                options.add(optionText(e.getValue(), where, e.getKey()));
            }
        } else if (opts instanceof ArrayNode arr) {
            for (int i = 0; i < arr.size(); i++) {
                options.add(optionText(arr.get(i), where, String.valueOf(i)));
            }
        } else {
            throw new McqFormatException(where + ": \"options\" is missing or neither an object {\"A\": ...} nor an array");
        }
        JsonNode a = o.get("answer");
        if (a == null || !a.isTextual()) {
            throw new McqFormatException(where + ": \"answer\" is missing or not a letter string");
        }
        int answer = McqQuestion.index(a.asText());
        if (answer < 0 || answer >= options.size()) {
            throw new McqFormatException(where + ": answer \"" + a.asText() + "\" is not the letter of one of the "
                    + options.size() + " options");
        }
        try {
            return new McqQuestion(q.asText().strip(), options, answer);
        } catch (IllegalArgumentException e) {
            throw new McqFormatException(where + ": " + e.getMessage());
        }
    }

    private static String optionText(JsonNode v, String where, String key) {
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new McqFormatException(where + ": option " + key + " is not a non-empty string");
        }
        return v.asText().strip();
    }

    /** Writes questions in the layout {@link #read} reads, atomically. */
    public static void write(Collection<McqQuestion> questions, Path file) throws IOException {
        StringBuilder b = new StringBuilder();
        for (McqQuestion q : questions) {
            ObjectNode o = JSON.createObjectNode();
            o.put("question", q.question());
            ObjectNode opts = o.putObject("options");
            for (int i = 0; i < q.options().size(); i++) {
                opts.put(McqQuestion.letter(i), q.options().get(i));
            }
            o.put("answer", q.answerLetter());
            b.append(JSON.writeValueAsString(o)).append('\n');
        }
        AtomicFiles.writeString(file, b.toString());
    }
}
