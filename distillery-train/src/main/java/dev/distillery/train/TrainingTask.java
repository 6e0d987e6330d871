package dev.distillery.train;

import dev.distillery.model.TrainingExamples;
import dev.distillery.model.WeightBinder;
import dev.distillery.model.WeightMismatchException;
import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What the {@link Trainer} trains, independent of the model's kind: the parameters the optimizer
 * updates and checkpoints, the training examples (their count, token lengths for batching and a
 * fingerprint to refuse resuming on other data), one micro-batch's forward and backward pass, and
 * the validation score. A sequence classifier (the five-argument {@code Trainer} constructors) and
 * a causal language model ({@link CausalLmTask}) are tasks.
 */
public interface TrainingTask {
    /** A description of the model, kept in checkpoints so that a resume on another model is refused. */
    String model();

    /** The trained tensors in a fixed order with unique names; the optimizer's parameters. */
    List<Parameter> parameters();

    /** Name → live tensor of every trained parameter, for checkpoints. */
    default Map<String, Tensor> weights() {
        return WeightBinder.export(parameters());
    }

    /**
     * Copies a checkpoint's weights in, by name.
     *
     * @throws WeightMismatchException when the names or shapes are not those of {@link #parameters()}
     */
    default void loadWeights(Map<String, Tensor> weights) {
        WeightBinder.bind(model(), parameters(), weights, "", name -> false, name -> false);
    }

    /** The training examples. */
    TrainingExamples examples();

    /** The training data's name, for messages. */
    default String dataName() {
        return examples().name();
    }

    /** Number of training examples. */
    default int size() {
        return examples().size();
    }

    /** Token count of each training example, for length-grouped batches. */
    default int[] lengths() {
        return examples().lengths();
    }

    /** A hash of the training examples. */
    default long fingerprint() {
        return examples().fingerprint();
    }

    /**
     * Forward and backward of the training examples {@code rows}, adding {@code scale}·gradient
     * into every parameter; dropout draws from {@code rng}. Returns the unscaled loss.
     */
    float backwardBatch(int[] rows, float scale, SplittableRandom rng);

    /** True when there is validation data to score after each epoch. */
    boolean hasValidation();

    /**
     * The validation fields of an {@link EpochSummary} (epoch 0, no training loss) in evaluation
     * mode: loss, and for classifiers accuracy and macro F1; {@code score} is what selects the best
     * epoch (higher is better).
     */
    EpochSummary validate();
}
