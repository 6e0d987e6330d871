package dev.distillery.eval.mcq;

import java.util.List;

/**
 * The one prompt format of multiple-choice questions, shared by evaluation ({@code mcq}) and
 * fine-tuning ({@code finetune}) so that a model is scored on exactly the text it was tuned on. A
 * question is written as in the MMLU harness (Hendrycks et al. 2021, "Measuring Massive Multitask
 * Language Understanding"), and the model answers with the letter after {@code "Answer:"}:
 * <pre>
 * Question: Which port does HTTPS use by default?
 * A. 21
 * B. 443
 * C. 80
 * D. 25
 * Answer:
 * </pre>
 * The answer is the text {@code " B"} (a space, then the letter). A solved question (a shot, or a
 * fine-tuning example) is the question followed by its answer; shots are separated from each other
 * and from the question by a blank line.
 */
public final class McqPrompt {
    public static final String QUESTION = "Question: ";
    public static final String ANSWER = "Answer:";
    static final String SHOT_SEPARATOR = "\n\n";

    private McqPrompt() {
    }

    /**
     * A prompt in two pieces: {@code lead} (the shots and the question line) may be cut from the left
     * when the prompt is longer than the model's context; {@code kept} (the options and "Answer:") is
     * what the model needs to answer at all.
     */
    public record Parts(String lead, String kept) {
        public String text() {
            return lead + kept;
        }
    }

    /** The question, its options and "Answer:", waiting for the letter. */
    public static String question(McqQuestion q) {
        return parts(List.of(), q).text();
    }

    /** What follows the prompt when option {@code i} is chosen: a space and its letter. */
    public static String answer(int i) {
        return " " + McqQuestion.letter(i);
    }

    /** The question followed by its right answer: a shot, or the text a fine-tuned model learns. */
    public static String solved(McqQuestion q) {
        return question(q) + answer(q.answer());
    }

    /** The K-shot prompt: each shot solved, a blank line after each, then the question. */
    public static String prompt(List<McqQuestion> shots, McqQuestion q) {
        return parts(shots, q).text();
    }

    /** {@link #prompt} split where the options begin. */
    public static Parts parts(List<McqQuestion> shots, McqQuestion q) {
        StringBuilder lead = new StringBuilder();
        for (McqQuestion s : shots) {
            lead.append(solved(s)).append(SHOT_SEPARATOR);
        }
        lead.append(QUESTION).append(q.question()).append('\n');
        StringBuilder kept = new StringBuilder();
        for (int i = 0; i < q.options().size(); i++) {
            kept.append(McqQuestion.letter(i)).append(". ").append(q.options().get(i)).append('\n');
        }
        kept.append(ANSWER);
        return new Parts(lead.toString(), kept.toString());
    }
}
