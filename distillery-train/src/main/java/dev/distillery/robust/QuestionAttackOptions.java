package dev.distillery.robust;

import java.util.List;

/**
 * How the greedy attack on multiple-choice questions searches. {@link #defaults()}: 40 queries per
 * question, 8 candidates per step, at most 4 accepted edits, every {@link QuestionEdit} family.
 * A question scored by a language model costs one forward pass of its whole prompt per query,
 * hundreds of times a URL's, hence a smaller budget than the URL attack's.
 *
 * @param queryBudget       model queries per question, the clean query included; never exceeded
 * @param candidatesPerStep edited candidates scored at each step (fewer when the budget runs out)
 * @param maxEdits          accepted edits per question
 * @param seed              with the question's text, seeds every random choice
 * @param families          the edits the attack may draw from, uniformly
 */
public record QuestionAttackOptions(int queryBudget, int candidatesPerStep, int maxEdits, long seed,
                                    List<QuestionEdit> families) {
    public QuestionAttackOptions {
        if (queryBudget < 1 || candidatesPerStep < 1 || maxEdits < 1) {
            throw new IllegalArgumentException("query budget " + queryBudget + ", candidates per step " + candidatesPerStep
                    + " and edits " + maxEdits + " must be at least 1");
        }
        if (families.isEmpty()) {
            throw new IllegalArgumentException("the attack needs at least one edit family");
        }
        families = List.copyOf(families);
    }

    public static QuestionAttackOptions defaults() {
        return new QuestionAttackOptions(40, 8, 4, 42, List.of(QuestionEdit.values()));
    }

    public QuestionAttackOptions withQueryBudget(int n) {
        return new QuestionAttackOptions(n, candidatesPerStep, maxEdits, seed, families);
    }

    public QuestionAttackOptions withSeed(long s) {
        return new QuestionAttackOptions(queryBudget, candidatesPerStep, maxEdits, s, families);
    }

    public QuestionAttackOptions withFamilies(List<QuestionEdit> f) {
        return new QuestionAttackOptions(queryBudget, candidatesPerStep, maxEdits, seed, f);
    }
}
