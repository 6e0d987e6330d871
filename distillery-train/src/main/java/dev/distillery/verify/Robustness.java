package dev.distillery.verify;

import java.util.List;

/**
 * Adversarial robustness of one model on the attacked rows.
 *
 * @param attacked          rows given to the attack
 * @param cleanAccuracy     share of them classified correctly unperturbed
 * @param robustAccuracy    share of them still classified correctly after the attack
 * @param attackSuccessRate share of the correctly classified rows the attack flipped; NaN when none were
 * @param meanQueries       mean model queries per attacked row
 * @param method            the attack and its budget, in a sentence for the report
 * @param examples          a few successful attacks, for the report
 */
public record Robustness(int attacked, double cleanAccuracy, double robustAccuracy, double attackSuccessRate,
                         double meanQueries, String method, List<Example> examples) {
    public Robustness {
        examples = List.copyOf(examples);
    }

    /**
     * One successful attack.
     *
     * @param before P(true class) of the original
     * @param after  P(true class) of the adversarial text
     * @param edits  the edits applied, in order
     */
    public record Example(String original, String adversarial, double before, double after, int queries, String edits) {
    }
}
