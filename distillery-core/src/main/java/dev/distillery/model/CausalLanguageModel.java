package dev.distillery.model;

import dev.distillery.nn.KvCache;
import dev.distillery.nn.Linear;
import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A {@link Decoder} with its causal language-modelling head, as Hugging Face's
 * {@code LlamaForCausalLM}: {@code logits = lm_head(hidden)}, the head a projection of its own or
 * the token embedding itself ({@code tie_word_embeddings}). The config's family builds it
 * ({@link ModelFamily#causalLm}).
 *
 * <p>Trainable (FP32 masters) or frozen (weights of any format: packed FP32 or quantized, never
 * expanded to an FP32 copy). Training on next-token prediction:
 * <pre>
 *   TrainingStep s = lm.forwardTrain(input);   // mean cross-entropy of logits[:, :-1] against ids[:, 1:]
 *   lm.backward(s);                            // adds into every parameter's gradient
 * </pre>
 * Generation: {@link #newCache}, then {@link #nextLogits} on the prompt and on each new token.
 */
public final class CausalLanguageModel {
    /** The label that takes no loss, as {@code -100} in transformers. */
    public static final int IGNORE = -100;

    private final Decoder decoder;
    private final Linear head; // [vocab, hidden]
    private final boolean tied; // the head is the token embedding
    private final List<Parameter> parameters;

    /** The decoder's trace and the logits [batch·seq, vocab]. */
    public record Trace(Backbone.Trace decoder, float[] logits) {
    }

    /** A forward pass with its next-token loss and dLoss/dLogits [batch·seq, vocab]. */
    public record TrainingStep(float loss, float[] dLogits, Trace trace) {
    }

    /** @param tied whether {@code head} is the decoder's token embedding (its bytes are then counted once) */
    public CausalLanguageModel(Decoder decoder, Linear head, boolean tied) {
        if (head.in() != decoder.config().hiddenSize() || head.out() != decoder.config().vocabSize()) {
            throw new IllegalArgumentException("the output layer " + head + " does not map hidden "
                    + decoder.config().hiddenSize() + " to vocabulary " + decoder.config().vocabSize());
        }
        this.decoder = decoder;
        this.head = head;
        this.tied = tied;
        Set<Parameter> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Parameter> all = new ArrayList<>();
        for (Parameter p : decoder.parameters()) {
            if (seen.add(p)) {
                all.add(p);
            }
        }
        for (Parameter p : head.parameters()) {
            if (seen.add(p)) { // a tied head shares the embedding's master
                all.add(p);
            }
        }
        this.parameters = List.copyOf(all);
    }

    /** A randomly initialised, trainable model of {@code config} (the family's initialisation). */
    public static CausalLanguageModel create(ModelConfig config, long seed) {
        return ModelFamilies.of(config).causalLm(config, ModuleSource.random(new SplittableRandom(seed)));
    }

    /**
     * A frozen model over tensors under their Hugging Face names, in the format {@code source}
     * holds them.
     *
     * @throws WeightMismatchException (from {@code source}) naming a missing or wrongly shaped tensor
     */
    public static CausalLanguageModel fromWeights(ModelConfig config, WeightSource source) {
        return ModelFamilies.of(config).causalLm(config, ModuleSource.frozen(source));
    }

    public ModelConfig config() {
        return decoder.config();
    }

    public Decoder decoder() {
        return decoder;
    }

    /** The output layer (the embedding's own master when tied). */
    public Linear head() {
        return head;
    }

    public boolean trainable() {
        return !parameters.isEmpty();
    }

    /** Trainable parameters in Hugging Face order, a tied embedding once; empty when frozen. */
    public List<Parameter> parameters() {
        return parameters;
    }

    public Map<String, Tensor> weights() {
        return WeightBinder.export(parameters);
    }

    /**
     * Copies in every tensor of a checkpoint of this model.
     *
     * @throws WeightMismatchException listing all missing, unexpected and wrongly shaped tensors
     */
    public void loadWeights(Map<String, Tensor> weights) {
        ModelFamily family = ModelFamilies.of(config());
        WeightBinder.bind(config().family() + " causal language model", parameters, weights, family.weightPrefix(),
                name -> false, family::isBuffer);
    }

    /**
     * A frozen, pre-packed snapshot of a copy of the current weights, module by module (a LoRA
     * model keeps its frozen base and freezes copies of its adapters); a frozen model is its own.
     */
    public CausalLanguageModel freeze() {
        if (!trainable()) {
            return this;
        }
        Decoder frozen = (Decoder) decoder.freeze();
        return new CausalLanguageModel(frozen, head.freeze(), tied);
    }

    public boolean tied() {
        return tied;
    }

    /** Bytes of weights held, each as its format keeps it (a tied output layer is the embedding's). */
    public long bytes() {
        return decoder.bytes() + (tied ? 0 : head.bytes());
    }

    /** Weights and biases, counted once each (a tied output layer is the embedding). */
    public long parameterCount() {
        return decoder.parameterCount() + (tied ? 0 : head.parameterCount());
    }

    /** Logits [batch·seq, vocab] of every position in evaluation mode; stateless. */
    public float[] logits(EncoderInput input) {
        float[] hidden = decoder.hidden(input);
        return head.forward(hidden, input.batch() * input.seqLen());
    }

    /** An empty KV cache for {@code batch} sequences of up to {@code capacity} tokens. */
    public KvCache newCache(int batch, int capacity) {
        return decoder.newCache(batch, capacity);
    }

    /**
     * Runs {@code seq} new tokens per sequence at positions {@code firstPosition ..} against the
     * cache and returns the logits of the last of them, [batch, vocab]: the distribution of the next token.
     */
    public float[] nextLogits(int[] ids, int batch, int seq, int firstPosition, KvCache cache) {
        float[] hidden = decoder.step(ids, batch, seq, firstPosition, cache);
        int h = config().hiddenSize();
        float[] logits = new float[batch * head.out()];
        head.forward(hidden, (seq - 1) * h, seq * h, logits, batch, null);
        return logits;
    }

    /** The forward pass keeping what backward needs, in evaluation mode (no dropout). */
    public Trace forwardTrain(EncoderInput input) {
        return forwardTrain(input, null);
    }

    /** The forward pass keeping what backward needs; dropout draws from {@code rng} (null: none). */
    public Trace forwardTrain(EncoderInput input, SplittableRandom rng) {
        Backbone.Trace t = decoder.forwardTrain(input, rng);
        return new Trace(t, head.forward(t.hidden(), input.batch() * input.seqLen()));
    }

    /**
     * The forward pass with the mean next-token cross-entropy: position t predicts token t + 1,
     * over every pair of real (unpadded) tokens, as {@code LlamaForCausalLM(labels=input_ids)}.
     */
    public TrainingStep trainingStep(EncoderInput input) {
        return withLoss(forwardTrain(input));
    }

    /** The next-token loss of a trace and its gradient on the logits. */
    public TrainingStep withLoss(Trace t) {
        EncoderInput in = t.decoder().input();
        int[] labels = new int[in.inputIds().length];
        for (int r = 0; r < labels.length; r++) {
            labels[r] = in.attentionMask()[r] != 0 ? in.inputIds()[r] : IGNORE;
        }
        return withLoss(t, labels);
    }

    /**
     * The mean next-token cross-entropy against {@code labels} [batch·seq] as
     * {@code LlamaForCausalLM(labels=...)} computes it: position s of a sequence is scored on
     * {@code labels[s + 1]}, positions whose next label is {@link #IGNORE} take no loss (a prompt
     * under a completion, padding), and the mean runs over every scored position of the batch.
     */
    public TrainingStep withLoss(Trace t, int[] labels) {
        NextTokenLoss loss = nextTokenLoss(t.decoder().input(), t.logits(), labels);
        return new TrainingStep(loss.value(), loss.dLogits(), t);
    }

    /**
     * A next-token loss: its mean value, the number of positions it averages over, and
     * dLoss/dLogits [batch·seq, vocab] (zero on unscored positions).
     */
    public record NextTokenLoss(float value, int positions, float[] dLogits) {
    }

    /** {@link #withLoss(Trace, int[])} on logits [batch·seq, vocab] of {@code in}, from any pass. */
    public NextTokenLoss nextTokenLoss(EncoderInput in, float[] logits, int[] labels) {
        int seq = in.seqLen();
        int vocab = head.out();
        if (labels.length != in.inputIds().length) {
            throw new IllegalArgumentException(labels.length + " labels for " + in.inputIds().length + " tokens");
        }
        List<Integer> rows = new ArrayList<>();
        for (int b = 0; b < in.batch(); b++) {
            for (int s = 0; s + 1 < seq; s++) {
                int r = b * seq + s;
                if (labels[r + 1] != IGNORE) {
                    rows.add(r);
                }
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no position has a next token to predict: sequences need two tokens");
        }
        float[] picked = new float[rows.size() * vocab];
        int[] targets = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(logits, rows.get(i) * vocab, picked, i * vocab, vocab);
            targets[i] = labels[rows.get(i) + 1];
            if (targets[i] < 0 || targets[i] >= vocab) {
                throw new IllegalArgumentException("label " + targets[i] + " at flat position " + (rows.get(i) + 1)
                        + " is outside the vocabulary of " + vocab);
            }
        }
        CrossEntropy.Loss loss = CrossEntropy.compute(picked, targets, vocab, null);
        float[] dLogits = new float[logits.length];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(loss.dLogits(), i * vocab, dLogits, rows.get(i) * vocab, vocab);
        }
        return new NextTokenLoss(loss.value(), rows.size(), dLogits);
    }

    public void backward(TrainingStep step) {
        backward(step.trace(), step.dLogits(), null, null);
    }

    /** Adds every parameter's gradient given dLoss/dLogits [batch·seq, vocab] and optional extra gradients. */
    public void backward(Trace t, float[] dLogits, List<float[]> dHiddenStates, List<float[]> dAttentionProbs) {
        EncoderInput in = t.decoder().input();
        float[] dHidden = head.backward(t.decoder().hidden(), dLogits, in.batch() * in.seqLen(), null);
        decoder.backward(t.decoder(), dHidden, dHiddenStates, dAttentionProbs);
    }
}
