package dev.distillery.model;

import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The transformer stack of a model without its task head: token ids in, hidden states (and each
 * layer's attention probabilities) out, and in training the gradient of the hidden states back in.
 * Task heads ({@link ClassificationHead}, a causal-LM head) sit on it; the trainer, distillation
 * losses, pruning and scoring speak to it through this interface whatever the family.
 *
 * <p>Life cycle: a family builds a trainable backbone (FP32 masters, {@link #parameters()}) or a
 * frozen one (weights of any format, no parameters); {@link #freeze()} snapshots the former into
 * the latter for serving. Inference methods keep no state, so threads may share a backbone;
 * {@link #forwardTrain} returns a trace that {@link #backward} consumes, adding into every
 * parameter's gradient. Example: {@code Encoder.create(cfg, 1).hidden(in)} has [batch·seq, hidden] values.
 */
public interface Backbone {
    ModelConfig config();

    /** Trainable parameters in Hugging Face order, named as in a checkpoint; empty when frozen. */
    List<Parameter> parameters();

    /** Name → live parameter tensor (not copies), in Hugging Face order. */
    default Map<String, Tensor> weights() {
        return WeightBinder.export(parameters());
    }

    /** True when the backbone has trainable masters; false for a frozen (serving) backbone. */
    default boolean trainable() {
        return !parameters().isEmpty();
    }

    /**
     * Copies in every backbone tensor of a Hugging Face map; heads of the family's task models and
     * buffers are skipped and reported.
     *
     * @throws WeightMismatchException listing every problem at once; the backbone is then unchanged
     */
    LoadReport loadWeights(Map<String, Tensor> weights);

    /** A frozen, pre-packed snapshot of the current weights; later training is not seen by it. */
    Backbone freeze();

    /** The last hidden state in evaluation mode, [batch·seq, hidden]; stateless. */
    float[] hidden(EncoderInput input);

    /**
     * Hugging Face {@code hidden_states} in evaluation mode: the embedding output, then every
     * layer's output, each [batch·seq, hidden] ({@code numLayers + 1} arrays); stateless.
     */
    List<float[]> hiddenStates(EncoderInput input);

    /**
     * The forward pass keeping what {@link #backward} needs; dropout is active when {@code rng} is
     * non-null (training mode) and off when it is null (evaluation mode, still differentiable).
     */
    Trace forwardTrain(EncoderInput input, SplittableRandom rng);

    /**
     * Adds every parameter's gradient given dLoss/dHidden [batch·seq, hidden] (may be null), extra
     * gradients on the hidden states in {@link Trace#hiddenStates()} order (null entries or a null
     * list for none: hidden-state distillation), and on each layer's attention probabilities
     * ({@link Trace#attentionProbs()} order, null entries or list for none: attention distillation).
     */
    void backward(Trace t, float[] dHidden, List<float[]> dHiddenStates, List<float[]> dAttentionProbs);

    /** Bytes of weights held, each as its format keeps it. */
    long bytes();

    /** Weights and biases, counted one each whatever their storage format. */
    long parameterCount();

    /** The mask-weighted mean of the last hidden state, [batch, hidden] (sentence-transformers pooling). */
    default float[] meanPooled(EncoderInput input) {
        return MeanPooling.forward(hidden(input), input, config().hiddenSize());
    }

    /** Hugging Face {@code last_hidden_state} [batch, seq, hidden]. */
    default Tensor lastHiddenState(EncoderInput input) {
        return Tensor.of(hidden(input), input.batch(), input.seqLen(), config().hiddenSize());
    }

    /** What a training forward pass keeps, as much as the losses on it need to read. */
    interface Trace {
        EncoderInput input();

        /** The last hidden state [batch·seq, hidden]. */
        float[] hidden();

        /** The embedding output, then every layer's output, each [batch·seq, hidden]. */
        List<float[]> hiddenStates();

        /** Each layer's attention probabilities [batch, heads, seq, seq]. */
        List<float[]> attentionProbs();
    }
}
