package dev.distillery.robust;

import java.util.List;

/**
 * How the greedy attack searches. {@link #defaults()}: 200 queries per URL, 16 candidates per step, at
 * most 10 accepted edits, decision threshold 0.5, every {@link Perturbation} family.
 *
 * @param queryBudget       model queries per URL, the clean query included; never exceeded
 * @param candidatesPerStep edited candidates scored at each step (fewer when the budget runs out)
 * @param maxEdits          accepted edits per URL; more would stray from the look of the original
 * @param threshold         a URL counts as phishing while P(phishing) ≥ this
 * @param seed              with the URL's text, seeds every random choice, so a result does not depend on
 *                          the other URLs or their order
 * @param families          the edits the attack may draw from, uniformly
 */
public record AttackOptions(int queryBudget, int candidatesPerStep, int maxEdits, float threshold, long seed,
                            List<Perturbation> families) {
    public AttackOptions {
        if (queryBudget < 1 || candidatesPerStep < 1 || maxEdits < 1) {
            throw new IllegalArgumentException("query budget " + queryBudget + ", candidates per step " + candidatesPerStep
                    + " and edits " + maxEdits + " must be at least 1");
        }
        if (!(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException("threshold " + threshold + " must lie strictly between 0 and 1");
        }
        if (families.isEmpty()) {
            throw new IllegalArgumentException("the attack needs at least one perturbation family");
        }
        families = List.copyOf(families);
    }

    public static AttackOptions defaults() {
        return new AttackOptions(200, 16, 10, 0.5f, 42, List.of(Perturbation.values()));
    }

    public AttackOptions withQueryBudget(int n) {
        return new AttackOptions(n, candidatesPerStep, maxEdits, threshold, seed, families);
    }

    public AttackOptions withCandidatesPerStep(int n) {
        return new AttackOptions(queryBudget, n, maxEdits, threshold, seed, families);
    }

    public AttackOptions withMaxEdits(int n) {
        return new AttackOptions(queryBudget, candidatesPerStep, n, threshold, seed, families);
    }

    public AttackOptions withThreshold(float t) {
        return new AttackOptions(queryBudget, candidatesPerStep, maxEdits, t, seed, families);
    }

    public AttackOptions withSeed(long s) {
        return new AttackOptions(queryBudget, candidatesPerStep, maxEdits, threshold, s, families);
    }

    public AttackOptions withFamilies(List<Perturbation> f) {
        return new AttackOptions(queryBudget, candidatesPerStep, maxEdits, threshold, seed, f);
    }
}
