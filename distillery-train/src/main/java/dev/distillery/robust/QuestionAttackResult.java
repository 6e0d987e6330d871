package dev.distillery.robust;

import dev.distillery.eval.mcq.McqQuestion;

import java.util.List;

/**
 * The attack on one question. Margins are the right answer's log-likelihood minus the best wrong
 * option's: positive while the model answers right.
 *
 * @param index             the question's position in the attacked list
 * @param adversarial       the best edited question found (the original when no edit lowered the margin)
 * @param originalMargin    margin of the original
 * @param adversarialMargin margin of {@code adversarial}
 * @param queries           model queries spent, the clean query included
 * @param cleanCorrect      the original was answered right, so it was attacked at all
 * @param success           an attacked question ended answered wrongly
 * @param edits             the families of the accepted edits, in order
 */
public record QuestionAttackResult(int index, McqQuestion adversarial, double originalMargin, double adversarialMargin,
                                   int queries, boolean cleanCorrect, boolean success, List<QuestionEdit> edits) {
    public QuestionAttackResult {
        edits = List.copyOf(edits);
    }
}
