package dev.distillery.train;

import dev.distillery.model.SequenceClassifier;
import dev.distillery.nn.Parameter;

import java.util.List;

/**
 * A second training objective on the model's whole forward trace rather than its logits, such as
 * hidden-state distillation; the {@link Trainer} adds its value to the batch loss and its gradients
 * to the backward pass, and trains its own parameters (a projection) alongside the model's.
 *
 * <p>Called once per micro-batch on the training thread, after the {@link LossFunction}.
 */
public interface AuxiliaryLoss {
    /** Trainable parameters of the objective itself; empty when it has none. */
    List<Parameter> parameters();

    /**
     * @param trace the model's training forward pass of the batch
     * @param rows  [batch] indices into the training examples
     * @param scale factor (gradient accumulation) to apply to every gradient this call adds or returns
     * @return the unscaled loss value, scale·dLoss/dHiddenStates in {@code Encoder.Trace.hiddenStates()}
     *         order and scale·dLoss/dAttentionProbs per layer; the objective has added scale·gradient into
     *         its own parameters
     */
    Result compute(SequenceClassifier.Trace trace, int[] rows, float scale);

    /**
     * @param dHiddenStates   one entry per hidden state, each [batch·seq, hidden] or null; or a null list
     * @param dAttentionProbs one entry per layer, each [batch, heads, seq, seq] or null; or a null list
     */
    record Result(float value, List<float[]> dHiddenStates, List<float[]> dAttentionProbs) {
        public Result(float value, List<float[]> dHiddenStates) {
            this(value, dHiddenStates, null);
        }
    }
}
