package dev.distillery.train;

import java.util.List;

/**
 * Where a training run stands, as saved in a checkpoint next to the weights and optimizer moments.
 * Every random choice is derived from {@code options.seed()} and a position (the epoch for the
 * data order, the epoch and batch for dropout), so seed and position are the generator state.
 *
 * @param modelConfig       the model's {@code EncoderConfig} as text, to refuse resuming another model
 * @param dataFingerprint   {@link dev.distillery.model.TokenizedExamples#fingerprint()} of the training set
 * @param epoch             0-based epoch in progress, or the next one to run
 * @param nextBatch         micro-batch of {@code epoch} to run next; checkpoints fall on optimizer-step boundaries
 * @param epochLossSum      sum of the micro-batch losses of {@code epoch} so far
 * @param epochOrder        the batches of {@code epoch} as example indices, or empty between epochs
 * @param bestEpoch         1-based epoch of the best validation score so far, 0 for none
 * @param bestScore         its score, −∞ for none
 */
public record TrainerState(TrainOptions options, String modelConfig, long dataFingerprint, int trainExamples,
                           int epoch, int nextBatch, long optimizerSteps, double epochLossSum, int epochBatches,
                           List<int[]> epochOrder, int bestEpoch, double bestScore, int epochsWithoutImprovement,
                           boolean stoppedEarly, List<EpochSummary> history) {
    public TrainerState {
        epochOrder = List.copyOf(epochOrder);
        history = List.copyOf(history);
    }
}
