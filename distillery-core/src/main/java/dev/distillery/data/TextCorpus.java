package dev.distillery.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Plain text for language-model training, one example per line of a UTF-8 file:
 * <ul>
 *   <li>a {@code .jsonl} or {@code .json} file holds one JSON object per line: either a
 *   {@code "text"} field, the example (Hugging Face's {@code datasets} writes this), or a
 *   {@code "prompt"} and a {@code "completion"} field (TRL's prompt-completion form: the model is
 *   trained on the completion only, given the prompt); other fields are ignored;</li>
 *   <li>any other file is plain text, each line an example as it stands.</li>
 * </ul>
 * Blank lines are skipped. A line that is not a JSON object with those fields, or bytes that are
 * not UTF-8, are a {@link DatasetException} naming the file and line.
 *
 * @param examples the examples in file order
 */
public record TextCorpus(Path file, List<Example> examples) {
    /** The JSON field a JSON-lines example is read from. */
    public static final String TEXT_FIELD = "text";
    /** The fields of a prompt-completion example. */
    public static final String PROMPT_FIELD = "prompt";
    public static final String COMPLETION_FIELD = "completion";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One example: {@code text} trained on in full when {@code prompt} is null, else the
     * completion {@code text} trained on after the untrained {@code prompt}.
     */
    public record Example(String prompt, String text) {
    }

    public TextCorpus {
        examples = List.copyOf(examples);
    }

    /** True when {@code file} is read as JSON lines (by its extension). */
    public static boolean isJsonLines(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".jsonl") || n.endsWith(".json");
    }

    /**
     * @throws NoSuchFileException when the file does not exist
     * @throws DatasetException    naming the file and line of a malformed or non-UTF-8 line, or when no example is left
     */
    public static TextCorpus read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such text file");
        }
        boolean json = isJsonLines(file);
        List<Example> examples = new ArrayList<>();
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        long lineNo = 0;
        try (BufferedReader in = new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file), decoder))) {
            String line;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (lineNo == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    continue;
                }
                examples.add(json ? exampleOf(file, lineNo, line) : new Example(null, line));
            }
        } catch (CharacterCodingException e) {
            throw new DatasetException(file, lineNo + 1, "is not UTF-8 text", e);
        }
        if (examples.isEmpty()) {
            throw new DatasetException(file, 0, "holds no example (every line is blank)");
        }
        return new TextCorpus(file, examples);
    }

    private static Example exampleOf(Path file, long lineNo, String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new DatasetException(file, lineNo, "is not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (node == null || !node.isObject()) {
            throw new DatasetException(file, lineNo, "must be a JSON object with a \"" + TEXT_FIELD + "\" field");
        }
        if (node.has(PROMPT_FIELD) || node.has(COMPLETION_FIELD)) {
            return new Example(field(file, lineNo, node, PROMPT_FIELD), field(file, lineNo, node, COMPLETION_FIELD));
        }
        return new Example(null, field(file, lineNo, node, TEXT_FIELD));
    }

    private static String field(Path file, long lineNo, JsonNode node, String name) {
        JsonNode v = node.get(name);
        if (v == null || !v.isTextual()) {
            throw new DatasetException(file, lineNo, "has no \"" + name + "\" text field"
                    + (v == null ? "" : " (found " + v.getNodeType().toString().toLowerCase(Locale.ROOT) + ")"));
        }
        return v.textValue();
    }

    public int size() {
        return examples.size();
    }

    @Override
    public String toString() {
        return file + " (" + examples.size() + " examples)";
    }
}
