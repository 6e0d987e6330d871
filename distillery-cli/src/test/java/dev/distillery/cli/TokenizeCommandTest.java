package dev.distillery.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.io.gguf.GgufTokenizer;
import dev.distillery.io.gguf.GgufValue;
import dev.distillery.io.gguf.GgufWriter;
import dev.distillery.tokenize.BpeTokenizer;
import dev.distillery.tokenize.Tokenizers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokenize} over every kind of model path: a Hugging Face folder and a tokenizer.json file
 * (SmolLM2, against Hugging Face through DJL), the bundled MiniLM (untruncated, against DJL), a
 * llama2.c folder and its checkpoint file (against llama2.c's own ids), a GGUF file, and a vocab.txt
 * folder.
 */
class TokenizeCommandTest {
    @TempDir
    Path dir;

    private static final List<String> LINES = List.of("What is a SQL injection attack?",
            "<|im_start|>user hi<|im_end|>", "", "  spaces  and ünïcödé 😀 1234",
            "https://login.example.com/verify?id=7 " + "please verify your account ".repeat(40));

    private Path input() throws IOException {
        Path in = dir.resolve("in.txt");
        // CRLF on one line: the \r belongs to the line ending, not the text.
        Files.writeString(in, String.join("\n", LINES.subList(0, 2)) + "\r\n" + String.join("\n", LINES.subList(2, 5))
                + "\n", StandardCharsets.UTF_8);
        return in;
    }

    private List<long[]> run(String model) throws IOException {
        Path out = dir.resolve("out-" + Math.abs(model.hashCode()) + ".jsonl");
        assertEquals(0, Main.run("tokenize", "--model", model, "--input", input().toString(), "--output", out.toString()));
        ObjectMapper json = new ObjectMapper();
        List<long[]> ids = new ArrayList<>();
        List<String> written = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertEquals(LINES.size(), written.size());
        for (int i = 0; i < written.size(); i++) {
            JsonNode row = json.readTree(written.get(i));
            assertEquals(LINES.get(i), row.get("text").textValue());
            long[] r = new long[row.get("ids").size()];
            for (int k = 0; k < r.length; k++) {
                r[k] = row.get("ids").get(k).asLong();
            }
            ids.add(r);
        }
        return ids;
    }

    private static void copy(String resource, Path target) throws IOException {
        try (InputStream in = TokenizeCommandTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertTrue(in != null, resource);
            Files.createDirectories(target.getParent());
            Files.copy(in, target);
        }
    }

    private void assertSameAs(HuggingFaceTokenizer reference, List<long[]> ids) {
        for (int i = 0; i < LINES.size(); i++) {
            assertArrayEquals(reference.encode(LINES.get(i)).getIds(), ids.get(i), LINES.get(i));
        }
    }

    @Test
    void huggingFaceFolderAndFileGiveHuggingFaceIds() throws IOException {
        Path folder = dir.resolve("smol");
        copy("tokenize/smollm2-135m-instruct-tokenizer.json", folder.resolve("tokenizer.json"));
        try (HuggingFaceTokenizer reference = HuggingFaceTokenizer.newInstance(folder.resolve("tokenizer.json"),
                Map.of("truncation", "false", "padding", "false", "maxLength", "1000000"))) {
            assertSameAs(reference, run(folder.toString()));
            assertSameAs(reference, run(folder.resolve("tokenizer.json").toString()));
        }
    }

    @Test
    void bundledMiniLmIsNotTruncated() throws IOException {
        Path json = dir.resolve("minilm.json");
        copy("all-minilm-l6-v2-tokenizer.json", json);
        try (HuggingFaceTokenizer reference = HuggingFaceTokenizer.newInstance(json,
                Map.of("truncation", "false", "padding", "false", "maxLength", "1000000"))) {
            List<long[]> ids = run("minilm");
            assertSameAs(reference, ids);
            assertTrue(ids.get(4).length > 128, "the long URL keeps all its ids, as tokenizer(text) does");
        }
    }

    @Test
    void llama2cFolderCheckpointAndGgufGiveTheSameIds() throws IOException {
        Path folder = dir.resolve("stories260K");
        copy("llama2c/stories260K/tok512.bin", folder.resolve("tok512.bin"));
        copy("llama2c/stories260K/stories260K.bin", folder.resolve("stories260K.bin"));
        BpeTokenizer tok512 = Tokenizers.fromLlama2c(folder.resolve("tok512.bin"));
        List<long[]> fromFolder = run(folder.toString());
        for (int i = 0; i < LINES.size(); i++) {
            assertArrayEquals(Arrays.stream(tok512.encode(LINES.get(i)).ids()).asLongStream().toArray(), fromFolder.get(i));
        }
        assertEquals(1, fromFolder.get(0)[0], "BOS first, as llama2.c's encode(text, 1, 0)");
        List<long[]> fromCheckpoint = run(folder.resolve("stories260K.bin").toString());
        for (int i = 0; i < LINES.size(); i++) {
            assertArrayEquals(fromFolder.get(i), fromCheckpoint.get(i));
        }
        // The same vocabulary as GGUF metadata: identical ids for text without special tokens in it.
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        metadata.put("general.architecture", GgufValue.string("llama"));
        metadata.putAll(GgufTokenizer.metadata(tok512));
        Path gguf = dir.resolve("stories.gguf");
        GgufWriter.write(gguf, metadata, List.of());
        List<long[]> fromGguf = run(gguf.toString());
        for (int i = 0; i < LINES.size(); i++) {
            if (!LINES.get(i).contains("<")) {
                assertArrayEquals(fromFolder.get(i), fromGguf.get(i), LINES.get(i));
            }
        }
    }

    @Test
    void vocabTxtFolderAndGgufWithoutTokenizer() throws IOException {
        Path bert = dir.resolve("bert");
        Files.createDirectories(bert);
        Files.writeString(bert.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\nwhat\nis\n");
        List<long[]> ids = run(bert.toString());
        // [CLS] what is a sql injection attack ? [SEP], the words outside the vocabulary [UNK].
        assertArrayEquals(new long[] {2, 4, 5, 1, 1, 1, 1, 1, 3}, ids.get(0));

        Path empty = dir.resolve("empty.gguf");
        GgufWriter.write(empty, Map.of("general.architecture", GgufValue.string("llama")), List.of());
        Path out = dir.resolve("x.jsonl");
        assertEquals(1, Main.run("tokenize", "--model", empty.toString(), "--input", input().toString(), "--output",
                out.toString()));
        assertTrue(Files.notExists(out), "nothing is written on failure");
    }
}
