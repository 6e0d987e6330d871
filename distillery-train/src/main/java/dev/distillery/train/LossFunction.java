package dev.distillery.train;

import dev.distillery.model.CrossEntropy;

/**
 * The training objective of one batch, from the classifier's logits. {@code rows} are the batch's
 * example indices in the training set, so a distillation loss can look up teacher logits computed
 * once beforehand; {@code labels} are their hard labels.
 *
 * <p>Called once per micro-batch on the training thread; the trainer scales {@code dLogits} for
 * gradient accumulation itself. Example: {@code LossFunction.crossEntropy(null)} on logits
 * {@code [0, 0]} with label 1 gives loss ln 2 ≈ 0.6931 and dLogits {@code [0.5, -0.5]}.
 */
@FunctionalInterface
public interface LossFunction {
    /**
     * @param logits [batch, numLabels]
     * @param rows   [batch] indices into the training examples
     * @param labels [batch] class indices
     */
    Loss compute(float[] logits, int numLabels, int[] rows, int[] labels);

    /** Mean cross-entropy, optionally class-weighted as {@code torch.nn.CrossEntropyLoss(weight=w)}. */
    static LossFunction crossEntropy(float[] classWeights) {
        float[] weights = classWeights == null ? null : classWeights.clone();
        return (logits, numLabels, rows, labels) -> {
            CrossEntropy.Loss l = CrossEntropy.compute(logits, labels, numLabels, weights);
            return new Loss(l.value(), l.dLogits());
        };
    }
}
