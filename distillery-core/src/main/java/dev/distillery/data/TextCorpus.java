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
 *   <li>a {@code .jsonl} or {@code .json} file holds one JSON object per line whose {@code "text"}
 *   field is the example (other fields are ignored; Hugging Face's {@code datasets} writes this);</li>
 *   <li>any other file is plain text, each line an example as it stands.</li>
 * </ul>
 * Blank lines are skipped. A line that is not a JSON object with a text field, or bytes that are
 * not UTF-8, are a {@link DatasetException} naming the file and line.
 *
 * @param texts the examples in file order
 */
public record TextCorpus(Path file, List<String> texts) {
    /** The JSON field a JSON-lines example is read from. */
    public static final String TEXT_FIELD = "text";
    private static final ObjectMapper JSON = new ObjectMapper();

    public TextCorpus {
        texts = List.copyOf(texts);
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
        List<String> texts = new ArrayList<>();
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
                texts.add(json ? textOf(file, lineNo, line) : line);
            }
        } catch (CharacterCodingException e) {
            throw new DatasetException(file, lineNo + 1, "is not UTF-8 text", e);
        }
        if (texts.isEmpty()) {
            throw new DatasetException(file, 0, "holds no example (every line is blank)");
        }
        return new TextCorpus(file, texts);
    }

    private static String textOf(Path file, long lineNo, String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new DatasetException(file, lineNo, "is not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (node == null || !node.isObject()) {
            throw new DatasetException(file, lineNo, "must be a JSON object with a \"" + TEXT_FIELD + "\" field");
        }
        JsonNode text = node.get(TEXT_FIELD);
        if (text == null || !text.isTextual()) {
            throw new DatasetException(file, lineNo, "has no \"" + TEXT_FIELD + "\" text field"
                    + (text == null ? "" : " (found " + text.getNodeType().toString().toLowerCase(Locale.ROOT) + ")"));
        }
        return text.textValue();
    }

    public int size() {
        return texts.size();
    }

    @Override
    public String toString() {
        return file + " (" + texts.size() + " examples)";
    }
}
