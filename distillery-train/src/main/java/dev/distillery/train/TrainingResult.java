package dev.distillery.train;

import java.util.List;

/**
 * How a training run went.
 *
 * @param bestEpoch     1-based epoch whose weights the model holds after training, or 0 without validation
 *                      (then the model holds the last weights)
 * @param stoppedEarly  whether early stopping ended the run before its last epoch
 */
public record TrainingResult(List<EpochSummary> epochs, int bestEpoch, double bestScore, boolean stoppedEarly,
                             long optimizerSteps) {
    public TrainingResult {
        epochs = List.copyOf(epochs);
    }
}
