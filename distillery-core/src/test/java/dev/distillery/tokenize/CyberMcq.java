package dev.distillery.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.testing.SharedDatasets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Every question and every option of every file of the shared cyber-mcq dataset (CyberMetric 80, 500, 2000). */
public final class CyberMcq {
    public static final List<String> FILES = List.of("cybermetric-80.jsonl", "cybermetric-500.jsonl", "cybermetric-2000.jsonl");

    private CyberMcq() {
    }

    /** The texts of one file, in file order: each question followed by its options A to D. */
    public static List<String> texts(String file) throws IOException {
        Path path = SharedDatasets.root().resolve("cyber-mcq").resolve(file);
        ObjectMapper json = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode row = json.readTree(line);
            texts.add(row.get("question").textValue());
            for (Map.Entry<String, JsonNode> option : row.get("options").properties()) {
                texts.add(option.getValue().textValue());
            }
        }
        return texts;
    }

    public static Map<String, List<String>> all() throws IOException {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        for (String file : FILES) {
            out.put(file, texts(file));
        }
        return out;
    }
}
