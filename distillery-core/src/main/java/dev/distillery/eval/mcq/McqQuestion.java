package dev.distillery.eval.mcq;

import java.util.List;
import java.util.Locale;

/**
 * One multiple-choice question: its text, its options in order (labelled A, B, C, ... by position)
 * and the index of the right one.
 * <pre>{@code
 * McqQuestion q = new McqQuestion("Which port does HTTPS use by default?", List.of("21", "443", "80", "25"), 1);
 * q.answerLetter();  // "B"
 * }</pre>
 *
 * @param question the question text
 * @param options  two to 26 options, each non-blank
 * @param answer   index of the right option in {@code options}
 */
public record McqQuestion(String question, List<String> options, int answer) {
    /** The most options a question may have: one per letter A..Z. */
    public static final int MAX_OPTIONS = 26;

    public McqQuestion {
        options = List.copyOf(options);
        if (question == null || question.isBlank()) {
            throw new IllegalArgumentException("the question text is empty");
        }
        if (options.size() < 2 || options.size() > MAX_OPTIONS) {
            throw new IllegalArgumentException("a question needs 2 to " + MAX_OPTIONS + " options, got " + options.size());
        }
        for (int i = 0; i < options.size(); i++) {
            if (options.get(i).isBlank()) {
                throw new IllegalArgumentException("option " + letter(i) + " is empty");
            }
        }
        if (answer < 0 || answer >= options.size()) {
            throw new IllegalArgumentException("answer index " + answer + " is not one of the " + options.size() + " options");
        }
    }

    /** The label of option {@code i}: "A" for 0. */
    public static String letter(int i) {
        if (i < 0 || i >= MAX_OPTIONS) {
            throw new IllegalArgumentException("option index " + i + " has no letter");
        }
        return String.valueOf((char) ('A' + i));
    }

    /** The option index of a letter ("b" and "B" are 1), or −1 when it is not a single letter. */
    public static int index(String letter) {
        String l = letter.strip().toUpperCase(Locale.ROOT);
        return l.length() == 1 && l.charAt(0) >= 'A' && l.charAt(0) <= 'Z' ? l.charAt(0) - 'A' : -1;
    }

    public String answerLetter() {
        return letter(answer);
    }

    /** The same question with another text (options and answer kept). */
    public McqQuestion withQuestion(String text) {
        return new McqQuestion(text, options, answer);
    }

    /** The same question with its options in the order {@code order} (new option i is old option order[i]). */
    public McqQuestion permuted(int[] order) {
        if (order.length != options.size()) {
            throw new IllegalArgumentException("an order of " + order.length + " for " + options.size() + " options");
        }
        String[] moved = new String[order.length];
        int newAnswer = -1;
        boolean[] used = new boolean[order.length];
        for (int i = 0; i < order.length; i++) {
            if (order[i] < 0 || order[i] >= order.length || used[order[i]]) {
                throw new IllegalArgumentException("not a permutation of the options: index " + order[i] + " at " + i);
            }
            used[order[i]] = true;
            moved[i] = options.get(order[i]);
            if (order[i] == answer) {
                newAnswer = i;
            }
        }
        return new McqQuestion(question, List.of(moved), newAnswer);
    }

    /**
     * Index of the longest option (by characters, the first on a tie): the length shortcut a model
     * can learn without knowing anything, reported beside its score.
     */
    public int longestOption() {
        int best = 0;
        for (int i = 1; i < options.size(); i++) {
            if (options.get(i).length() > options.get(best).length()) {
                best = i;
            }
        }
        return best;
    }

    /** The question text as deduplication compares it: whitespace runs collapsed, case folded. */
    public String key() {
        return question.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }
}
