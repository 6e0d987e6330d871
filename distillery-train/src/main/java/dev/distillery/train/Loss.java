package dev.distillery.train;

/**
 * A loss value and its gradient with respect to the logits.
 *
 * @param dLogits dLoss/dLogits, {@code [batch, labels]}
 */
public record Loss(float value, float[] dLogits) {
}
