package dev.distillery.model;

import dev.distillery.kernel.KernelProvider;
import dev.distillery.kernel.LinearWeight;
import dev.distillery.nn.Activations;
import dev.distillery.nn.Dropout;
import dev.distillery.nn.Linear;
import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An encoder with a sequence-classification head, as HF {@code BertForSequenceClassification}
 * and {@code DistilBertForSequenceClassification}:
 * <pre>
 *   BERT:       logits = classifier(dropout(tanh(pooler.dense(h[:, 0]))))
 *   DistilBERT: logits = classifier(dropout(relu(pre_classifier(h[:, 0]))))
 * </pre>
 * Parameters carry their full HF names ({@code bert.…}, {@code distilbert.…}, {@code classifier.…}).
 *
 * <p>Inference ({@link #logits}) is stateless and thread-safe. Training:
 * <pre>
 *   TrainingStep step = model.forwardTrain(input, labels, rng);   // rng null: dropout off
 *   model.backward(step);          // adds into every parameter().grad()
 * </pre>
 * For distillation, {@link #forwardTrain(EncoderInput, SplittableRandom)} gives the logits and
 * {@link #backward(Trace, float[])} takes any dLoss/dLogits. Training calls on one model must not
 * overlap: every backward adds into the same gradients.
 */
public final class SequenceClassifier {
    private final EncoderConfig config;
    private final Encoder encoder;
    private final Linear headDense;  // BERT pooler.dense or DistilBERT pre_classifier, [hidden, hidden]
    private final Linear classifier; // [labels, hidden]
    private final List<Parameter> parameters;

    /** Head activations backward needs; {@code logits} [batch, labels] is the result. */
    public record Trace(Encoder.Trace encoder, float[] cls, float[] activated, float[] dropMask, float[] logits) {
    }

    /** A forward pass with its loss: {@code dLogits} is dLoss/dLogits [batch, labels]. */
    public record TrainingStep(float loss, float[] dLogits, Trace trace) {
        public float[] logits() {
            return trace.logits();
        }
    }

    private SequenceClassifier(EncoderConfig config, SplittableRandom rng) {
        if (config.numLabels() < 1) {
            throw new IllegalArgumentException("a sequence classifier needs at least one label; the config has none");
        }
        this.config = config;
        boolean distil = config.isDistilBert();
        int h = config.hiddenSize();
        encoder = new Encoder(config, rng, distil ? "distilbert." : "bert.");
        headDense = new Linear(distil ? "pre_classifier" : "bert.pooler.dense", h, h, rng);
        classifier = new Linear("classifier", h, config.numLabels(), rng);
        List<Parameter> all = new ArrayList<>(encoder.parameters());
        all.addAll(headDense.parameters());
        all.addAll(classifier.parameters());
        parameters = List.copyOf(all);
    }

    /** HF's random initialisation (normal σ = 0.02, LayerNorm 1 and 0, biases 0) from {@code seed}. */
    public static SequenceClassifier create(EncoderConfig config, long seed) {
        return new SequenceClassifier(config, new SplittableRandom(seed));
    }

    public EncoderConfig config() {
        return config;
    }

    public Encoder encoder() {
        return encoder;
    }

    /** All parameters in HF order with HF names. */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** Parameters in all, each weight and bias counted once. */
    public long parameterCount() {
        return parameters.stream().mapToLong(p -> p.data().length).sum();
    }

    /** Name → live parameter tensor (not copies), in HF order. */
    public Map<String, Tensor> weights() {
        return WeightBinder.export(parameters);
    }

    /**
     * Copies in every tensor of a complete classifier checkpoint.
     *
     * @throws WeightMismatchException listing all missing, unexpected and wrongly shaped tensors
     */
    public void loadWeights(Map<String, Tensor> weights) {
        WeightBinder.bind(config.family() + " sequence classifier", parameters, weights, encoderPrefix(),
                name -> false, name -> false);
    }

    /**
     * Starts fine-tuning from a pretrained checkpoint as HF {@code from_pretrained} does: the
     * classification head (and DistilBERT's pre_classifier, and a BERT pooler if absent) may be
     * missing and keeps its random initialisation; pretraining heads ({@code cls.*},
     * {@code vocab_*}) are ignored. Encoder tensors must all be present and well shaped.
     */
    public LoadReport loadPretrained(Map<String, Tensor> weights) {
        String pooler = hiddenLayerName();
        return WeightBinder.bind(config.family() + " sequence classifier", parameters, weights, encoderPrefix(),
                name -> name.startsWith("classifier.") || name.startsWith(pooler + "."),
                name -> name.startsWith("cls.") || name.startsWith("vocab_"));
    }

    /**
     * An inference-only snapshot of the current weights, FP32 and pre-packed; later training is
     * not seen by it (compare {@link #version()} to know when to freeze again).
     */
    public FrozenClassifier freeze() {
        return new FrozenClassifier(encoder.freeze(),
                LinearWeight.fp32(headDense.weight().data(), headDense.out(), headDense.in()),
                headDense.bias().data().clone(),
                LinearWeight.fp32(classifier.weight().data(), classifier.out(), classifier.in()),
                classifier.bias().data().clone());
    }

    /**
     * A number that changes whenever a parameter is written through the usual paths (optimizer
     * steps, weight loading; see {@link Parameter#touch()}): equal versions mean equal weights.
     */
    public long version() {
        long sum = 0;
        for (Parameter p : parameters) {
            sum += p.version();
        }
        return sum;
    }

    /** Logits [batch, labels] in evaluation mode; stateless. */
    public float[] logits(EncoderInput input) {
        return head(encoder.hidden(input), input, null).logits();
    }

    /** Class probabilities softmax(logits), [batch, labels]; stateless. */
    public float[] probabilities(EncoderInput input) {
        float[] p = logits(input);
        KernelProvider.get().softmaxRows(p, 0, input.batch(), config.numLabels());
        return p;
    }

    /** HF {@code last_hidden_state} [batch, seq, hidden]. */
    public Tensor lastHiddenState(EncoderInput input) {
        return encoder.lastHiddenState(input);
    }

    /** Mask-weighted mean of the last hidden state, [batch, hidden]. */
    public float[] meanPooled(EncoderInput input) {
        return encoder.meanPooled(input);
    }

    /** Forward pass keeping what backward needs; dropout on when {@code rng} is non-null. */
    public Trace forwardTrain(EncoderInput input, SplittableRandom rng) {
        Encoder.Trace et = encoder.forwardTrain(input, rng);
        Head head = head(et.hidden(), input, rng);
        return new Trace(et, head.cls(), head.activated(), head.dropMask(), head.logits());
    }

    /** {@link #forwardTrain(EncoderInput, int[], float[], SplittableRandom)} without class weights. */
    public TrainingStep forwardTrain(EncoderInput input, int[] labels, SplittableRandom rng) {
        return forwardTrain(input, labels, null, rng);
    }

    /** Forward pass with the mean cross-entropy against {@code labels}; class weights may be null. */
    public TrainingStep forwardTrain(EncoderInput input, int[] labels, float[] classWeights, SplittableRandom rng) {
        if (labels.length != input.batch()) {
            throw new IllegalArgumentException(labels.length + " labels for a batch of " + input.batch());
        }
        Trace t = forwardTrain(input, rng);
        CrossEntropy.Loss loss = CrossEntropy.compute(t.logits(), labels, config.numLabels(), classWeights);
        return new TrainingStep(loss.value(), loss.dLogits(), t);
    }

    public void backward(TrainingStep step) {
        backward(step.trace(), step.dLogits());
    }

    /** Adds every parameter's gradient given dLoss/dLogits [batch, labels]. */
    public void backward(Trace t, float[] dLogits) {
        backward(t, dLogits, null);
    }

    /**
     * As {@link #backward(Trace, float[])}, plus gradients on the encoder's hidden states in
     * {@link Encoder.Trace#hiddenStates()} order (null entries for none), for distillation.
     */
    public void backward(Trace t, float[] dLogits, List<float[]> dHiddenStates) {
        backward(t, dLogits, dHiddenStates, null);
    }

    /**
     * As {@link #backward(Trace, float[], List)}, plus gradients on every layer's attention
     * probabilities (see {@link Encoder#backward(Encoder.Trace, float[], List, List)}); may be null.
     */
    public void backward(Trace t, float[] dLogits, List<float[]> dHiddenStates, List<float[]> dAttentionProbs) {
        EncoderInput input = t.encoder().input();
        int batch = input.batch();
        int h = config.hiddenSize();
        float[] dDropped = classifier.backward(Dropout.applyCopy(t.activated(), t.dropMask()), dLogits, batch, null);
        Dropout.apply(dDropped, t.dropMask());
        float[] dPre = config.isDistilBert()
                ? Activations.reluBackward(t.activated(), dDropped) // relu(x) > 0 exactly where x > 0
                : Activations.tanhBackward(t.activated(), dDropped);
        float[] dCls = headDense.backward(t.cls(), dPre, batch, null);
        float[] dHidden = new float[batch * input.seqLen() * h];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(dCls, b * h, dHidden, b * input.seqLen() * h, h);
        }
        encoder.backward(t.encoder(), dHidden, dHiddenStates, dAttentionProbs);
    }

    private record Head(float[] cls, float[] activated, float[] dropMask, float[] logits) {
    }

    private Head head(float[] lastHidden, EncoderInput input, SplittableRandom rng) {
        int batch = input.batch();
        int h = config.hiddenSize();
        float[] cls = new float[batch * h]; // [batch, hidden], the first token of each sequence
        for (int b = 0; b < batch; b++) {
            System.arraycopy(lastHidden, b * input.seqLen() * h, cls, b * h, h);
        }
        float[] pre = headDense.forward(cls, batch);
        float[] activated = config.isDistilBert() ? Activations.relu(pre) : Activations.tanh(pre);
        float[] dropMask = Dropout.mask(activated.length, config.classifierDropout(), rng);
        float[] logits = classifier.forward(Dropout.applyCopy(activated, dropMask), batch);
        return new Head(cls, activated, dropMask, logits);
    }

    private String encoderPrefix() {
        return config.isDistilBert() ? "distilbert." : "bert.";
    }

    private String hiddenLayerName() {
        return config.isDistilBert() ? "pre_classifier" : "bert.pooler.dense";
    }
}
