package dev.distillery.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.embed.SentenceEncoder;
import dev.distillery.testing.Numerics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbedCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesOneUnitEmbeddingPerLineInInputOrder() throws Exception {
        List<String> lines = List.of("https://accounts.google.com.signin-verify.example/login?id=7",
                "wikipedia.org", "", "Ünïcödé \"quoted\" text, with a comma");
        Path input = dir.resolve("in.txt");
        Files.write(input, lines, StandardCharsets.UTF_8);
        Path output = dir.resolve("out/embeddings.jsonl");

        int code = Main.run("embed", "--model", "minilm", "--input", input.toString(), "--output", output.toString(),
                "--batch-size", "3");

        assertEquals(0, code);
        List<String> written = Files.readAllLines(output, StandardCharsets.UTF_8);
        assertEquals(lines.size(), written.size());
        for (String line : written) {
            assertTrue(line.startsWith("{"), "a JSON Lines record starts its line: " + line.substring(0, Math.min(20, line.length())));
        }
        SentenceEncoder minilm = SentenceEncoder.load("minilm");
        ObjectMapper mapper = new ObjectMapper();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode row = mapper.readTree(written.get(i));
            assertEquals(lines.get(i), row.get("text").asText());
            JsonNode vector = row.get("embedding");
            assertEquals(384, vector.size());
            float[] embedding = new float[vector.size()];
            double norm = 0;
            for (int j = 0; j < embedding.length; j++) {
                embedding[j] = vector.get(j).floatValue();
                norm += embedding[j] * (double) embedding[j];
            }
            // Float32 components printed as shortest round-trip decimals: the norm is 1 to rounding.
            assertEquals(1.0, Math.sqrt(norm), 1e-5, "norm of line " + i);
            // Alone (batch of one, no padding) against the command's length-sorted batches of three:
            // only summation order in padded attention differs.
            Numerics.assertClose(minilm.embed(List.of(lines.get(i))), embedding, 1e-5, 1e-5, "line " + i);
        }
    }

    @Test
    void missingInputIsAUserError() {
        Path output = dir.resolve("out.jsonl");
        int code = Main.run("embed", "--input", dir.resolve("absent.txt").toString(), "--output", output.toString());
        assertEquals(1, code);
        assertFalse(Files.exists(output));
    }

    @Test
    void unknownModelFolderIsAUserError() throws Exception {
        Path input = dir.resolve("in.txt");
        Files.writeString(input, "x\n");
        int code = Main.run("embed", "--model", dir.resolve("nope").toString(), "--input", input.toString(),
                "--output", dir.resolve("o.jsonl").toString());
        assertEquals(1, code);
        assertTrue(Files.notExists(dir.resolve("o.jsonl")));
    }

    @Test
    void nonUtf8InputIsAUserErrorAndWritesNothing() throws Exception {
        Path input = dir.resolve("latin1.txt");
        Files.write(input, new byte[] {'o', 'k', '\n', (byte) 0xff, (byte) 0xfe, '\n'});
        Path output = dir.resolve("out.jsonl");
        int code = Main.run("embed", "--input", input.toString(), "--output", output.toString());
        assertEquals(1, code);
        assertFalse(Files.exists(output));
    }
}
