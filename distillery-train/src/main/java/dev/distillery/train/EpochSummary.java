package dev.distillery.train;

/**
 * One finished epoch. Validation fields are NaN when there is no validation set.
 *
 * @param epoch          1-based
 * @param trainLoss      mean loss over the epoch's micro-batches
 * @param validationLoss mean unweighted cross-entropy on the validation set
 * @param score          the selection score ({@link TrainOptions#positiveClass})
 * @param improved       whether this epoch's score beat every earlier one (and so became the best checkpoint)
 * @param optimizerSteps optimizer steps taken since the start of training
 */
public record EpochSummary(int epoch, double trainLoss, double validationLoss, double accuracy, double macroF1,
                           double score, boolean improved, long optimizerSteps) {
}
