package dev.distillery.robust;

import dev.distillery.eval.mcq.McqQuestion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One family of edits that leaves a multiple-choice question's answer what it was: a reader who
 * knows the answer still picks the same option, while the model's prompt changes. These are the
 * perturbations of robustness studies of LLMs on multiple choice: option order (Zheng et al. 2024,
 * "Large Language Models Are Not Robust Multiple Choice Selectors"; Pezeshkpour and Hruschka 2024),
 * character noise (Gao et al. 2018, "DeepWordBug"), irrelevant context (Shi et al. 2023, "Large
 * Language Models Can Be Easily Distracted by Irrelevant Context") and paraphrase by template.
 * Each edit draws all its choices from the given random source.
 * <pre>{@code
 * QuestionEdit.SHUFFLE_OPTIONS.apply(q, new SplittableRandom(1));  // same options in another order, answer moved with its text
 * }</pre>
 */
public enum QuestionEdit {
    /** The option texts in another order under the same letters; the answer letter follows its text. */
    SHUFFLE_OPTIONS {
        @Override
        public McqQuestion apply(McqQuestion q, SplittableRandom rng) {
            List<String> letters = q.letters();
            List<String> texts = new ArrayList<>(q.options().values());
            for (int i = texts.size() - 1; i > 0; i--) { // Fisher-Yates
                int j = rng.nextInt(i + 1);
                String t = texts.get(i);
                texts.set(i, texts.get(j));
                texts.set(j, t);
            }
            String right = q.options().get(q.answer());
            Map<String, String> options = new LinkedHashMap<>();
            String answer = null;
            for (int i = 0; i < letters.size(); i++) {
                options.put(letters.get(i), texts.get(i));
                if (answer == null && texts.get(i).equals(right)) {
                    answer = letters.get(i);
                }
            }
            return new McqQuestion(q.question(), options, answer);
        }
    },
    /**
     * One typo in a word of four or more letters of the question: two neighbouring letters swapped,
     * a letter dropped, doubled, or replaced by a neighbour on a QWERTY keyboard. A reader reads
     * through it.
     */
    QUESTION_TYPO {
        @Override
        public McqQuestion apply(McqQuestion q, SplittableRandom rng) {
            String s = q.question();
            List<Integer> at = new ArrayList<>(); // letters inside words of four or more letters
            int wordStart = -1;
            for (int i = 0; i <= s.length(); i++) {
                boolean letter = i < s.length() && Character.isLetter(s.charAt(i));
                if (letter && wordStart < 0) {
                    wordStart = i;
                } else if (!letter && wordStart >= 0) {
                    if (i - wordStart >= 4) {
                        for (int k = wordStart + 1; k < i - 1; k++) { // the first and last letters stay
                            at.add(k);
                        }
                    }
                    wordStart = -1;
                }
            }
            if (at.isEmpty()) {
                return q;
            }
            int i = at.get(rng.nextInt(at.size()));
            char c = s.charAt(i);
            String edited = switch (rng.nextInt(4)) {
                case 0 -> s.substring(0, i) + s.charAt(i + 1) + c + s.substring(i + 2);
                case 1 -> s.substring(0, i) + s.substring(i + 1);
                case 2 -> s.substring(0, i + 1) + c + s.substring(i + 1);
                default -> s.substring(0, i) + keyboardNeighbour(c, rng) + s.substring(i + 1);
            };
            return reworded(q, edited);
        }
    },
    /** An irrelevant sentence put before or after the question. */
    DISTRACTOR_SENTENCE {
        @Override
        public McqQuestion apply(McqQuestion q, SplittableRandom rng) {
            String d = DISTRACTORS[rng.nextInt(DISTRACTORS.length)];
            return reworded(q, rng.nextBoolean() ? d + " " + q.question() : q.question() + " " + d);
        }
    },
    /** The question asked in other words by a template around it. */
    REPHRASE_TEMPLATE {
        @Override
        public McqQuestion apply(McqQuestion q, SplittableRandom rng) {
            String t = REPHRASINGS[rng.nextInt(REPHRASINGS.length)];
            return reworded(q, t.replace("{q}", q.question()));
        }
    };

    /** An edited copy of {@code q} with the same answer text; {@code q} itself when the edit does not apply. */
    public abstract McqQuestion apply(McqQuestion q, SplittableRandom rng);

    private static McqQuestion reworded(McqQuestion q, String text) {
        return new McqQuestion(text, q.options(), q.answer());
    }

    /** Sentences with nothing to say about any security question. */
    static final String[] DISTRACTORS = {
            "The office cafeteria serves soup on Tuesdays.",
            "My neighbour painted her fence green last weekend.",
            "It rained for most of the afternoon.",
            "The train to the city was ten minutes late this morning.",
            "A group of ducks crossed the road near the park.",
            "The library extended its opening hours in the summer.",
            "Someone left a red umbrella in the meeting room.",
            "The football match ended in a draw.",
    };

    /** Templates around the question, {@code {q}}; each asks the same thing. */
    static final String[] REPHRASINGS = {
            "Please answer the following question. {q}",
            "Here is a question about security: {q}",
            "{q} Choose the best option.",
            "Consider this carefully. {q}",
            "A colleague asks you: {q}",
            "{q} Pick the single correct answer.",
            "Exam question: {q}",
            "Think about the following. {q}",
    };

    private static final String[] KEYBOARD_ROWS = {"qwertyuiop", "asdfghjkl", "zxcvbnm"};

    private static char keyboardNeighbour(char c, SplittableRandom rng) {
        char lower = Character.toLowerCase(c);
        for (String row : KEYBOARD_ROWS) {
            int k = row.indexOf(lower);
            if (k >= 0) {
                int j = k == 0 ? 1 : k == row.length() - 1 ? k - 1 : k + (rng.nextBoolean() ? 1 : -1);
                char n = row.charAt(j);
                return Character.isUpperCase(c) ? Character.toUpperCase(n) : n;
            }
        }
        return c;
    }
}
