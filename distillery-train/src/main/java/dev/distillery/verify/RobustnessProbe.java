package dev.distillery.verify;

import dev.distillery.classify.Classifier;
import dev.distillery.data.Dataset;

/**
 * Runs an adversarial attack on one model. {@link Verification} calls it once per model with the test rows
 * (already carrying the model's text transform); an implementation must be deterministic for a given seed
 * so that every model is attacked alike.
 */
public interface RobustnessProbe {
    /** Robustness of {@code model} on {@code data}, or null when the attack does not apply to this model. */
    Robustness evaluate(Classifier model, Dataset data);

    /** Why {@link #evaluate} returns null for {@code model}, e.g. "the URL attack needs two labels". */
    default String notApplicable(Classifier model) {
        return "the attack does not apply to this model";
    }
}
