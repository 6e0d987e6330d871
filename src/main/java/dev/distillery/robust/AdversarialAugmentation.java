package dev.distillery.robust;

/**
 * Adversarial augmentation for distillation: before training, {@code urls} phishing training URLs
 * (a seeded sample) are attacked against the teacher, and each successful adversarial URL joins the
 * training set labelled phishing. Its soft target is the teacher's distribution on the clean URL it came
 * from, not on itself: the teacher was fooled there by construction, and matching the student on
 * x_adv to the teacher on x is Adversarially Robust Distillation (Goldblum et al. 2020, AAAI).
 *
 * @param urls   phishing training URLs to attack; fewer when the training set has fewer
 * @param attack the attack's budget, step, edit limit, threshold and families (its seed is replaced by the
 *               training seed)
 */
public record AdversarialAugmentation(int urls, AttackOptions attack) {
    public AdversarialAugmentation {
        if (urls < 1) {
            throw new IllegalArgumentException("adversarial augmentation needs at least one URL to attack, got " + urls);
        }
    }

    /** 200 URLs, each attacked with a budget of 100 queries. */
    public static AdversarialAugmentation defaults() {
        return new AdversarialAugmentation(200, AttackOptions.defaults().withQueryBudget(100));
    }
}
