package dev.distillery.cli;

import dev.distillery.cli.TeacherCommandsTest.Result;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decoder LLM commands on stories260K (a real llama2.c model, copied from distillery-core's
 * test resources): generate, quantize, inspect and bench-generate, and their refusals.
 */
class DecoderCommandsTest {
    /** The start of llama2.c's known greedy story (doc/stories260K.md). */
    private static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play outside";

    @TempDir
    static Path tmp;
    static Path stories;

    @BeforeAll
    static void copyModel() throws Exception {
        stories = tmp.resolve("stories260K");
        Files.createDirectories(stories);
        for (String f : new String[] {"stories260K.bin", "tok512.bin"}) {
            try (InputStream in = DecoderCommandsTest.class.getResourceAsStream("/llama2c/stories260K/" + f)) {
                Files.copy(in, stories.resolve(f));
            }
        }
    }

    @Test
    void generateStreamsTheGreedyStoryThenTheSpeed() {
        Result r = TeacherCommandsTest.run("generate", "--model", stories.toString(), "--temperature", "0",
                "--max-tokens", "40");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith(STORY), r.out());
        assertTrue(r.err().matches("(?s).*stories260K \\(llama2\\.c\\): 1 prompt tokens in .* s, 40 tokens generated at "
                + "[0-9.]+ tokens/s.*"), r.err());
        Result sampled = TeacherCommandsTest.run("generate", "--model", stories.resolve("stories260K.bin").toString(),
                "--prompt", "Once upon a time", "--max-tokens", "20", "--seed", "7");
        Result again = TeacherCommandsTest.run("generate", "--model", stories.toString(), "--prompt", "Once upon a time",
                "--max-tokens", "20", "--seed", "7");
        assertEquals(0, sampled.exitCode(), sampled.err());
        assertEquals(sampled.out(), again.out(), "the same seed samples the same story");
        assertTrue(sampled.out().startsWith("Once upon a time"), sampled.out());
    }

    @Test
    void aQuantizedDecoderGeneratesAndInspects() {
        Path q8 = tmp.resolve("stories-q8_0");
        Result q = TeacherCommandsTest.run("quantize", "--model", stories.toString(), "--scheme", "q8_0", "--out",
                q8.toString());
        assertEquals(0, q.exitCode(), q.err());
        assertTrue(q.out().contains("31 matrices as q8_0"), q.out());
        Result g = TeacherCommandsTest.run("generate", "--model", q8.toString(), "--temperature", "0", "--max-tokens", "30");
        assertEquals(0, g.exitCode(), g.err());
        // 8-bit weights keep the first sentence of the greedy story
        assertTrue(g.out().startsWith("Once upon a time, there was a little girl named Lily."), g.out());
        assertTrue(g.err().contains("(quantized q8_0)"), g.err());
        Result i = TeacherCommandsTest.run("inspect", q8.toString());
        assertEquals(0, i.exitCode(), i.err());
        assertTrue(i.out().contains("Llama decoder, 5 layers, hidden 64, 8 heads sharing 4 key/value heads"), i.out());
        assertTrue(i.out().contains("Quantized    q8_0"), i.out());
        Result l = TeacherCommandsTest.run("inspect", stories.toString());
        assertTrue(l.out().contains("llama2.c, legacy format") && l.out().contains("Parameters   260,032"), l.out());
    }

    @Test
    void q4_0AsGgufGeneratesAndInspects() {
        Path gguf = tmp.resolve("stories-q4_0.gguf");
        Result q = TeacherCommandsTest.run("quantize", "--model", stories.toString(), "--scheme", "q4_0", "--out",
                gguf.toString());
        assertEquals(0, q.exitCode(), q.err());
        Result g = TeacherCommandsTest.run("generate", "--model", gguf.toString(), "--temperature", "0", "--max-tokens", "20");
        assertEquals(0, g.exitCode(), g.err());
        assertTrue(g.out().startsWith("Once upon a time"), g.out());
        assertTrue(g.err().contains("(gguf q"), g.err());
        Result i = TeacherCommandsTest.run("inspect", gguf.toString());
        assertEquals(0, i.exitCode(), i.err());
        assertTrue(i.out().contains("(GGUF)") && i.out().contains("blk.0.attn_q.weight") && i.out().contains("Q4_0"),
                i.out());
    }

    @Test
    void refusals() {
        Result skip = TeacherCommandsTest.run("quantize", "--model", stories.toString(), "--scheme", "q4_0", "--skip",
                "embed", "--out", tmp.resolve("x").toString());
        assertEquals(2, skip.exitCode(), skip.err());
        assertTrue(skip.err().contains("is a decoder LLM"), skip.err());
        Result int8 = TeacherCommandsTest.run("quantize", "--model", stories.toString(), "--scheme", "int8", "--out",
                tmp.resolve("y").toString());
        assertEquals(2, int8.exitCode(), int8.err());
        Result chat = TeacherCommandsTest.run("generate", "--model", stories.toString(), "--chat", "--prompt", "hi");
        assertEquals(1, chat.exitCode(), chat.err());
        assertTrue(chat.err().contains("has no chat template"), chat.err());
        Result missing = TeacherCommandsTest.run("generate", "--model", tmp.resolve("nothing").toString());
        assertEquals(1, missing.exitCode(), missing.err());
        Result temperature = TeacherCommandsTest.run("generate", "--model", stories.toString(), "--temperature", "-1");
        assertEquals(1, temperature.exitCode(), temperature.err());
        assertTrue(temperature.err().contains("temperature"), temperature.err());
    }

    @Test
    void benchGenerateReportsTokensPerSecondPerScheme() {
        Result r = TeacherCommandsTest.run("bench-generate", "--model", stories.toString(), "--schemes", "fp32,q4_0",
                "--tokens", "8", "--rounds", "1", "--json");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("\"fp32\":{") && r.out().contains("\"q4_0\":{") && r.out().contains("tokensPerSec"),
                r.out());
    }
}
