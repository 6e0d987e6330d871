package dev.distillery.eval.mcq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.data.DatasetException;
import dev.distillery.tokenize.Tokenizer;
import dev.distillery.tokenize.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared multiple-choice prompt, its tokens, and the question file's errors. */
class McqPromptTest {
    private static final McqQuestion SHOT = new McqQuestion("What does TLS protect?",
            options("A", "Nothing", "B", "Data in transit"), "B");
    private static final McqQuestion Q = new McqQuestion(" Which port does SSH use? ", options("A", "22", "B", "80"),
            "A");

    private static Map<String, String> options(String... letterText) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < letterText.length; i += 2) {
            m.put(letterText[i], letterText[i + 1]);
        }
        return m;
    }

    @Test
    void promptIsTheHarnessFormatWithShots() {
        String p = McqPrompt.CYBERSECURITY.prompt(Q, List.of(SHOT));
        String shot = "What does TLS protect?\nA. Nothing\nB. Data in transit\nAnswer: B\n\n";
        assertEquals("The following are multiple choice questions (with answers) about cybersecurity.\n\n" + shot
                + "Which port does SSH use?\nA. 22\nB. 80\nAnswer:", p);
        assertTrue(McqPrompt.CYBERSECURITY.prompt(Q, List.of()).endsWith("about cybersecurity.\n\nWhich port does SSH use?\nA. 22\nB. 80\nAnswer:"));
    }

    @Test
    void continuationIdsFollowThePromptAsTheWholeTextEncodes() throws Exception {
        Tokenizer tok = Tokenizers.load(Path.of(getClass().getResource("/llama2c/stories260K").toURI()));
        String prompt = McqPrompt.CYBERSECURITY.prompt(Q, List.of());
        McqPrompt.Tokens t = McqPrompt.tokens(tok, prompt, McqPrompt.continuation("A"));
        assertArrayEquals(tok.encode(prompt + " A").ids(), t.ids());
        assertArrayEquals(tok.encode(prompt).ids(), java.util.Arrays.copyOf(t.ids(), t.continuationStart()));
        assertEquals("A", tok.decode(t.continuation(), true).strip());
    }

    @Test
    void badLinesNameTheFileAndLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("q.jsonl");
        Files.writeString(f, "{\"question\": \"x\", \"options\": {\"A\": \"1\", \"B\": \"2\"}, \"answer\": \"A\"}\n\n"
                + "{\"question\": \"y\", \"options\": {\"A\": \"1\", \"B\": \"2\"}, \"answer\": \"C\"}\n");
        DatasetException e = assertThrows(DatasetException.class, () -> McqQuestion.read(f));
        assertTrue(e.getMessage().startsWith(f + ":3: the answer \"C\" is not one of the options"), e.getMessage());
        Files.writeString(f, "{\"question\": \"x\"}\n");
        assertTrue(assertThrows(DatasetException.class, () -> McqQuestion.read(f)).getMessage().contains(":1: "));
        Files.writeString(f, "not json\n");
        assertTrue(assertThrows(DatasetException.class, () -> McqQuestion.read(f)).getMessage().contains("not valid JSON"));
    }
}
