package dev.distillery.robust;

import dev.distillery.data.TextTransform;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Adversarial augmentation for distillation: before training, {@code urls} phishing training URLs
 * (a seeded sample) are attacked against the teacher, and each successful adversarial URL joins the
 * training set labelled phishing. Its soft target is the teacher's distribution on the clean URL it came
 * from, not on itself: the teacher was fooled there by construction, and matching the student on
 * x_adv to the teacher on x is Adversarially Robust Distillation (Goldblum et al. 2020, AAAI).
 *
 * <p>Adversarial rows alone are all phishing and all edited, so a student learns "edited means phishing"
 * and drifts toward phishing (measured: precision 0.830 → 0.734 at recall 0.870 → 0.946). Each adversarial
 * row is therefore balanced by {@code benignPerAdversarial} benign training URLs given the same sequence of
 * edit families ({@link #benignVariants}), whose soft target is the teacher's distribution on the variant
 * itself; and the adversarial rows are capped at {@code maxShare} of the training rows.
 *
 * @param urls                 phishing training URLs to attack; fewer when the training set has fewer
 * @param attack               the attack's budget, step, edit limit, threshold and families (its seed is replaced
 *                             by the training seed)
 * @param benignPerAdversarial edited benign URLs added per adversarial URL; 0 for the unbalanced augmentation
 * @param maxShare             adversarial URLs kept at most this fraction of the training rows, in (0, 1]
 */
public record AdversarialAugmentation(int urls, AttackOptions attack, int benignPerAdversarial, double maxShare) {
    /** One benign variant per adversarial URL: the edits then carry no evidence either way. */
    public static final int DEFAULT_BENIGN_PER_ADVERSARIAL = 1;
    /** A tenth of the training rows: the 62 successes on 800 rows fit, a larger attack stays a minority. */
    public static final double DEFAULT_MAX_SHARE = 0.1;

    public AdversarialAugmentation {
        if (urls < 1) {
            throw new IllegalArgumentException("adversarial augmentation needs at least one URL to attack, got " + urls);
        }
        if (benignPerAdversarial < 0) {
            throw new IllegalArgumentException("benign variants per adversarial URL must be >= 0, got " + benignPerAdversarial);
        }
        if (!(maxShare > 0 && maxShare <= 1)) {
            throw new IllegalArgumentException("the adversarial share of the training rows must lie in (0, 1], got " + maxShare);
        }
    }

    /** Balanced and capped by the defaults. */
    public AdversarialAugmentation(int urls, AttackOptions attack) {
        this(urls, attack, DEFAULT_BENIGN_PER_ADVERSARIAL, DEFAULT_MAX_SHARE);
    }

    /** 200 URLs, each attacked with a budget of 100 queries. */
    public static AdversarialAugmentation defaults() {
        return new AdversarialAugmentation(200, AttackOptions.defaults().withQueryBudget(100));
    }

    /** Adversarial URLs kept for {@code trainRows} training rows: at least one, at most {@code maxShare} of them. */
    public int cap(int trainRows) {
        return Math.max(1, (int) Math.floor(maxShare * trainRows));
    }

    /**
     * For each successful attack, {@code benignPerAdversarial} benign URLs each given the attack's accepted edit
     * families in the same order, so the balancing rows carry the same kinds and numbers of edits. The benign
     * URLs are a seeded shuffle of {@code benign}, reused in turn when there are fewer than wanted; an edit
     * that does not apply leaves the URL as it was, and every result goes through {@code transform}.
     *
     * @return {@code attacks.size() * benignPerAdversarial} URLs; empty when {@code benign} is
     */
    public List<String> benignVariants(List<String> benign, List<AttackResult> attacks, TextTransform transform,
                                       long seed) {
        List<String> out = new ArrayList<>();
        if (benign.isEmpty() || benignPerAdversarial == 0) {
            return out;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        List<String> order = new ArrayList<>(benign);
        for (int i = order.size() - 1; i > 0; i--) {
            Collections.swap(order, i, rng.nextInt(i + 1));
        }
        int next = 0;
        for (AttackResult a : attacks) {
            for (int k = 0; k < benignPerAdversarial; k++) {
                String url = order.get(next++ % order.size());
                for (Perturbation p : a.edits()) {
                    url = transform.apply(p.apply(url, rng));
                }
                out.add(url);
            }
        }
        return out;
    }
}
