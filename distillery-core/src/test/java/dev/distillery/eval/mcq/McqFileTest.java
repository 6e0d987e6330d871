package dev.distillery.eval.mcq;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The question file layout: what is read, what is refused with the line named, and a round trip. */
class McqFileTest {
    @TempDir
    Path tmp;

    private static List<McqQuestion> parse(String text) throws Exception {
        return McqFile.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "q.jsonl");
    }

    @Test
    void readsObjectAndArrayOptionsAndSkipsBlankLines() throws Exception {
        List<McqQuestion> qs = parse("""
                {"question": " What is 2+2? ", "options": {"A": "3", "B": "4", "C": "5"}, "answer": "B"}

                {"question": "Pick x", "options": ["x", "y"], "answer": "a"}
                """);
        assertEquals(2, qs.size());
        assertEquals(new McqQuestion("What is 2+2?", List.of("3", "4", "5"), 1), qs.get(0));
        assertEquals(0, qs.get(1).answer());
    }

    @Test
    void refusalsNameTheLineAndTheProblem() {
        String good = "{\"question\": \"q\", \"options\": {\"A\": \"a\", \"B\": \"b\"}, \"answer\": \"A\"}\n";
        assertMessage(good + "not json\n", "q.jsonl, line 2: not JSON");
        assertMessage(good + "{\"options\": {\"A\": \"a\", \"B\": \"b\"}, \"answer\": \"A\"}", "line 2: \"question\" is missing");
        assertMessage("{\"question\": \"q\", \"options\": {\"A\": \"a\", \"C\": \"b\"}, \"answer\": \"A\"}",
                "line 1: option keys must be A, B, C, ... in order; found \"C\" where \"B\" belongs");
        assertMessage("{\"question\": \"q\", \"options\": {\"A\": \"a\", \"B\": \"b\"}, \"answer\": \"C\"}",
                "line 1: answer \"C\" is not the letter of one of the 2 options");
        assertMessage("{\"question\": \"q\", \"options\": {\"A\": \"a\", \"B\": \" \"}, \"answer\": \"A\"}",
                "line 1: option B is not a non-empty string");
        assertMessage("{\"question\": \"q\", \"options\": [\"a\"], \"answer\": \"A\"}", "line 1: a question needs 2 to 26");
        assertMessage("\n\n", "q.jsonl holds no questions");
    }

    private static void assertMessage(String text, String expected) {
        McqFormatException e = assertThrows(McqFormatException.class, () -> parse(text));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void writtenQuestionsReadBackEqual() throws Exception {
        List<McqQuestion> qs = McqShots.bundled();
        Path f = tmp.resolve("shots.jsonl");
        McqFile.write(qs, f);
        assertEquals(qs, McqFile.read(f));
        assertThrows(java.nio.file.NoSuchFileException.class, () -> McqFile.read(tmp.resolve("missing.jsonl")));
        Files.writeString(tmp.resolve("x.jsonl"), "[]\n");
        assertThrows(McqFormatException.class, () -> McqFile.read(tmp.resolve("x.jsonl")));
    }
}
