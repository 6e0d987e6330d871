package dev.distillery.verify;

import dev.distillery.classify.Classifier;
import dev.distillery.data.Dataset;

/**
 * Runs an adversarial attack on one model. {@link Verification} calls it once per model with the test rows
 * (already carrying the model's text transform); an implementation must be deterministic for a given seed
 * so two models are attacked alike.
 */
public interface RobustnessProbe {
    /** Robustness of {@code model} on {@code data}. */
    Robustness evaluate(Classifier model, Dataset data);
}
