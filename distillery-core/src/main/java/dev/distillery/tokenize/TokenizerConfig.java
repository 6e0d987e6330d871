package dev.distillery.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a Hugging Face tokenizer_config.json adds to the tokenizer file beside it: BERT's
 * {@code do_lower_case}, the names of the BOS, EOS and padding tokens (a string or an
 * {@code {"content": ...}} object), and the Jinja chat template. Absent fields are null (true for
 * {@code do_lower_case}, as in BertTokenizer).
 */
public record TokenizerConfig(boolean lowerCase, String bosToken, String eosToken, String padToken,
                              String chatTemplate) {

    public static TokenizerConfig read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    static TokenizerConfig read(InputStream in, String source) throws IOException {
        JsonFields f = new JsonFields(source);
        JsonNode root = f.parse(in);
        return new TokenizerConfig(f.bool(root, "do_lower_case", true), token(f, root, "bos_token"),
                token(f, root, "eos_token"), token(f, root, "pad_token"), chatTemplate(f, root));
    }

    private static String token(JsonFields f, JsonNode root, String field) throws InvalidTokenizerException {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isObject() && node.path("content").isTextual()) {
            return node.get("content").textValue();
        }
        throw f.bad(field, "must be a token string or an object with \"content\", was " + node);
    }

    /** The template string, or from a list of named templates the one named "default" (else the first). */
    private static String chatTemplate(JsonFields f, JsonNode root) throws InvalidTokenizerException {
        JsonNode node = root.get("chat_template");
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isArray() && !node.isEmpty()) {
            JsonNode chosen = node.get(0);
            for (JsonNode t : node) {
                if ("default".equals(t.path("name").asText())) {
                    chosen = t;
                }
            }
            if (chosen.path("template").isTextual()) {
                return chosen.get("template").textValue();
            }
        }
        throw f.bad("chat_template", "must be a string or a list of {name, template}");
    }
}
