package dev.distillery.eval.mcq;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The one prompt format, spelled out, since fine-tuning and evaluation must agree on it to the character. */
class McqPromptTest {
    static final McqQuestion PORT = new McqQuestion("Which port does SSH use?", List.of("22", "23", "80", "443"), 0);
    static final McqQuestion HASH = new McqQuestion("Which is a hash?", List.of("AES", "SHA-256"), 1);

    @Test
    void zeroShotPromptEndsWithAnswerColon() {
        assertEquals("Question: Which port does SSH use?\nA. 22\nB. 23\nC. 80\nD. 443\nAnswer:", McqPrompt.question(PORT));
        assertEquals(" C", McqPrompt.answer(2));
        assertEquals("Question: Which is a hash?\nA. AES\nB. SHA-256\nAnswer: B", McqPrompt.solved(HASH));
    }

    @Test
    void shotsAreSolvedAndSeparatedByBlankLines() {
        assertEquals("Question: Which is a hash?\nA. AES\nB. SHA-256\nAnswer: B\n\n"
                        + "Question: Which port does SSH use?\nA. 22\nB. 23\nC. 80\nD. 443\nAnswer:",
                McqPrompt.prompt(List.of(HASH), PORT));
        McqPrompt.Parts p = McqPrompt.parts(List.of(HASH), PORT);
        assertEquals("A. 22\nB. 23\nC. 80\nD. 443\nAnswer:", p.kept());
        assertEquals(McqPrompt.prompt(List.of(HASH), PORT), p.text());
    }
}
