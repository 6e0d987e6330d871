package dev.distillery.eval.mcq;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.data.DatasetException;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One multiple-choice question as a line of the CyberMetric JSON-lines files:
 * <pre>{"question": "...", "options": {"A": "...", "B": "...", "C": "...", "D": "..."}, "answer": "B"}</pre>
 *
 * @param options option letter → text, in the file's order
 * @param answer  the letter of the correct option, one of the keys of {@code options}
 */
public record McqQuestion(String question, Map<String, String> options, String answer) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public McqQuestion {
        if (question == null || question.isBlank()) {
            throw new IllegalArgumentException("a question needs a non-empty text");
        }
        if (options.size() < 2) {
            throw new IllegalArgumentException("a question needs at least two options, got " + options.keySet());
        }
        if (!options.containsKey(answer)) {
            throw new IllegalArgumentException("the answer \"" + answer + "\" is not one of the options "
                    + options.keySet());
        }
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** The option letters in order. */
    public List<String> letters() {
        return List.copyOf(options.keySet());
    }

    /**
     * Every question of a JSON-lines file (blank lines skipped).
     *
     * @throws DatasetException naming the file and line of a line that is not such a question
     */
    public static List<McqQuestion> read(Path file) throws IOException {
        List<McqQuestion> all = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                if (!line.isBlank()) {
                    all.add(parse(file, number, line));
                }
            }
        }
        if (all.isEmpty()) {
            throw new DatasetException(file, 0, "holds no questions");
        }
        return all;
    }

    /** One line; {@code file} and {@code line} only name the place in an error. */
    public static McqQuestion parse(Path file, long line, String json) {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new DatasetException(file, line, "not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (n == null || !n.isObject()) {
            throw new DatasetException(file, line, "expected a JSON object with question, options and answer");
        }
        JsonNode q = n.get("question");
        JsonNode o = n.get("options");
        JsonNode a = n.get("answer");
        if (q == null || !q.isTextual() || o == null || !o.isObject() || a == null || !a.isTextual()) {
            throw new DatasetException(file, line, "a question needs \"question\" (text), \"options\" (an object "
                    + "from letter to text) and \"answer\" (a letter)");
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : o.properties()) {
            if (!e.getValue().isTextual()) {
                throw new DatasetException(file, line, "option " + e.getKey() + " is not text");
            }
            options.put(e.getKey(), e.getValue().textValue());
        }
        try {
            return new McqQuestion(q.textValue(), options, a.textValue());
        } catch (IllegalArgumentException e) {
            throw new DatasetException(file, line, e.getMessage());
        }
    }
}
