package dev.distillery.verify;

/**
 * Adversarial robustness of one model on the attacked rows.
 *
 * @param attacked          rows the attack was run on
 * @param cleanAccuracy     accuracy on those rows unperturbed
 * @param robustAccuracy    share of rows still classified correctly after the attack
 * @param attackSuccessRate share of correctly classified rows the attack flipped
 * @param meanQueries       mean model queries per attacked row
 * @param method            the attack and its budget, in a sentence for the report
 */
public record Robustness(int attacked, double cleanAccuracy, double robustAccuracy, double attackSuccessRate,
                         double meanQueries, String method) {
}
