package dev.distillery.train;

/**
 * Lets the forward and backward passes see weights other than the ones the optimizer updates, as
 * quantization-aware training does (Jacob et al. 2018, "Quantization and Training of Neural Networks
 * for Efficient Integer-Arithmetic-Only Inference"; Bengio et al. 2013 for the straight-through
 * estimator): the optimizer keeps FP32 master weights, the passes run on a function of them, and the
 * gradients computed there are applied to the masters as if the function were the identity.
 *
 * <p>Life cycle, driven by the {@link Trainer}: {@link #apply} before the first forward pass of each
 * optimizer step and before validation; {@link #restore} before clipping and the optimizer update,
 * after validation, and before any checkpoint or copy of the weights, so those always hold the masters.
 * Calls alternate, starting with {@code apply}.
 */
public interface WeightProxy {
    /** Saves the master weights and replaces them in the model by the weights the passes should see. */
    void apply();

    /** Puts the saved master weights back. */
    void restore();
}
