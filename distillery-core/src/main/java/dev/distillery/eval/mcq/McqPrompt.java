package dev.distillery.eval.mcq;

import dev.distillery.tokenize.Tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * The fixed prompt a decoder answers multiple-choice questions with, as MMLU (Hendrycks et al.,
 * "Measuring Massive Multitask Language Understanding", ICLR 2021) and EleutherAI's evaluation
 * harness put them: a header line, then K solved examples (the shots) and the question, each as
 * its text, one line per option ("A. ...") and "Answer:", the shots followed by " " and their letter.
 * The model's answer is the option letter whose continuation (" A", " B", ...) is most likely after
 * the prompt; fine-tuning on a question teaches the same continuation.
 * <pre>{@code
 * McqPrompt p = McqPrompt.CYBERSECURITY;
 * String text = p.prompt(question, shots);        // ends with "Answer:"
 * McqPrompt.Tokens t = p.tokens(tokenizer, text, p.continuation("B"));
 * // t.ids()[t.continuationStart() ..] are the ids of " B" as they follow the prompt
 * }</pre>
 *
 * @param subject the subject named in the header line
 */
public record McqPrompt(String subject) {
    /** The prompt of the cyber-mcq questions. */
    public static final McqPrompt CYBERSECURITY = new McqPrompt("cybersecurity");

    /** The header line and the blank line after it. */
    public String header() {
        return "The following are multiple choice questions (with answers) about " + subject + ".\n\n";
    }

    /** One question, its options and "Answer:", without the answer. */
    public static String body(McqQuestion q) {
        StringBuilder s = new StringBuilder(q.question().strip()).append('\n');
        q.options().forEach((letter, text) -> s.append(letter).append(". ").append(text.strip()).append('\n'));
        return s.append("Answer:").toString();
    }

    /** The text after "Answer:" that means {@code letter}: a space and the letter. */
    public static String continuation(String letter) {
        return " " + letter;
    }

    /** The whole prompt: header, each shot with its answer and a blank line, then {@code q} up to "Answer:". */
    public String prompt(McqQuestion q, List<McqQuestion> shots) {
        StringBuilder s = new StringBuilder(header());
        for (McqQuestion shot : shots) {
            s.append(body(shot)).append(continuation(shot.answer())).append("\n\n");
        }
        return s.append(body(q)).toString();
    }

    /**
     * The ids of {@code prompt + continuation} as the tokenizer encodes the whole text (its special
     * tokens included), and where the continuation's ids start: after the longest prefix shared
     * with the encoding of the prompt alone (the evaluation harness's split, which keeps a token
     * that spans the boundary with the continuation).
     */
    public static Tokens tokens(Tokenizer tokenizer, String prompt, String continuation) {
        int[] context = tokenizer.encode(prompt).ids();
        int[] whole = tokenizer.encode(prompt + continuation).ids();
        int start = 0;
        while (start < context.length && start < whole.length && context[start] == whole[start]) {
            start++;
        }
        if (start == whole.length) {
            throw new IllegalArgumentException("the continuation \"" + continuation + "\" adds no token to the prompt");
        }
        return new Tokens(whole, start);
    }

    /** Token ids of a prompt and its continuation; {@code ids[continuationStart ..]} are the continuation's. */
    public record Tokens(int[] ids, int continuationStart) {
        public int[] continuation() {
            return Arrays.copyOfRange(ids, continuationStart, ids.length);
        }
    }
}
