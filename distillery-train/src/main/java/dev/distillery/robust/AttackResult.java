package dev.distillery.robust;

import java.util.List;

/**
 * The attack on one phishing URL.
 *
 * @param original               the URL as the model sees it
 * @param adversarial            the best edited URL found (the original when no edit lowered P(phishing))
 * @param originalProbability    P(phishing) of the original
 * @param adversarialProbability P(phishing) of {@code adversarial}
 * @param queries                model queries spent, the clean query included
 * @param cleanCorrect           the original was classified phishing, so it was attacked at all
 * @param success                an attacked URL ended classified benign
 * @param edits                  the families of the accepted edits, in order
 */
public record AttackResult(String original, String adversarial, float originalProbability, float adversarialProbability,
                           int queries, boolean cleanCorrect, boolean success, List<Perturbation> edits) {
    public AttackResult {
        edits = List.copyOf(edits);
    }
}
