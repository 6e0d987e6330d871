package dev.distillery.model;

import dev.distillery.kernel.KernelProvider;
import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A {@link Backbone} with a sequence-classification head, as HF
 * {@code BertForSequenceClassification} and {@code DistilBertForSequenceClassification}; the
 * config's family builds both ({@link ModelFamily#classifier}). Parameters carry their full HF
 * names ({@code bert.…}, {@code distilbert.…}, {@code classifier.…}).
 *
 * <p>A classifier is trainable (FP32 masters, from {@link #create}) or frozen (weights of any
 * format, from {@link #fromWeights} or {@link #freeze()}, no parameters). Inference
 * ({@link #logits}) is stateless and thread-safe. Training:
 * <pre>
 *   TrainingStep step = model.forwardTrain(input, labels, rng);   // rng null: dropout off
 *   model.backward(step);          // adds into every parameter().grad()
 * </pre>
 * For distillation, {@link #forwardTrain(EncoderInput, SplittableRandom)} gives the logits and
 * {@link #backward(Trace, float[])} takes any dLoss/dLogits. Training calls on one model must not
 * overlap: every backward adds into the same gradients.
 */
public final class SequenceClassifier {
    private final ModelConfig config;
    private final Backbone backbone;
    private final ClassificationHead head;
    private final List<Parameter> parameters;

    /** The backbone's trace and the head's; {@code logits} [batch, labels] is the result. */
    public record Trace(Backbone.Trace backbone, ClassificationHead.Trace head) {
        public float[] logits() {
            return head.logits();
        }
    }

    /** A forward pass with its loss: {@code dLogits} is dLoss/dLogits [batch, labels]. */
    public record TrainingStep(float loss, float[] dLogits, Trace trace) {
        public float[] logits() {
            return trace.logits();
        }
    }

    /** A classifier of {@code backbone} and {@code head}, as a family's builder assembles it. */
    public SequenceClassifier(Backbone backbone, ClassificationHead head) {
        this.config = backbone.config();
        if (config.numLabels() < 1) {
            throw new IllegalArgumentException("a sequence classifier needs at least one label; the config has none");
        }
        if (head.numLabels() != config.numLabels()) {
            throw new IllegalArgumentException("the head has " + head.numLabels() + " labels, the config "
                    + config.numLabels());
        }
        this.backbone = backbone;
        this.head = head;
        List<Parameter> all = new ArrayList<>(backbone.parameters());
        all.addAll(head.parameters());
        this.parameters = List.copyOf(all);
    }

    /** HF's random initialisation (normal σ = 0.02, LayerNorm 1 and 0, biases 0) from {@code seed}. */
    public static SequenceClassifier create(ModelConfig config, long seed) {
        return ModelFamilies.of(config).classifier(config, ModuleSource.random(new SplittableRandom(seed)));
    }

    /**
     * A frozen classifier for {@code config} from tensors under their Hugging Face names, in the
     * format {@code source} holds them (packed FP32, or quantized).
     *
     * @throws WeightMismatchException (from {@code source}) naming a missing or wrongly shaped tensor
     */
    public static SequenceClassifier fromWeights(ModelConfig config, WeightSource source) {
        return ModelFamilies.of(config).classifier(config, ModuleSource.frozen(source));
    }

    public ModelConfig config() {
        return config;
    }

    public Backbone backbone() {
        return backbone;
    }

    /** True when the classifier has FP32 masters to train; false for a frozen (serving) one. */
    public boolean trainable() {
        return !parameters.isEmpty();
    }

    /** All trainable parameters in HF order with HF names; empty when frozen. */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** Weights and biases, counted once each whatever their format. */
    public long parameterCount() {
        return backbone.parameterCount() + head.parameterCount();
    }

    /** Bytes of weights held, each as its format keeps it: the in-memory size of this model. */
    public long bytes() {
        return backbone.bytes() + head.bytes();
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
        WeightBinder.bind(config.family() + " sequence classifier", parameters, weights, family().weightPrefix(),
                name -> false, name -> false);
    }

    /**
     * Starts fine-tuning from a pretrained checkpoint as HF {@code from_pretrained} does: the head
     * (a BERT pooler, DistilBERT's pre_classifier, the classifier) may be missing and keeps its
     * random initialisation; the family's pretraining heads are ignored. Backbone tensors must all
     * be present and well shaped.
     */
    public LoadReport loadPretrained(Map<String, Tensor> weights) {
        List<String> headNames = head.parameters().stream().map(Parameter::name).toList();
        ModelFamily family = family();
        return WeightBinder.bind(config.family() + " sequence classifier", parameters, weights, family.weightPrefix(),
                headNames::contains, family::isPretrainingHead);
    }

    private ModelFamily family() {
        return ModelFamilies.of(config);
    }

    /**
     * A frozen snapshot of the current weights, FP32 and pre-packed; later training is not seen by
     * it (compare {@link #version()} to know when to freeze again). A frozen classifier is its own snapshot.
     */
    public SequenceClassifier freeze() {
        return trainable() ? new SequenceClassifier(backbone.freeze(), head.freeze()) : this;
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
        return head.forward(backbone.hidden(input), input.batch(), input.seqLen(), null).logits();
    }

    /** Class probabilities softmax(logits), [batch, labels]; stateless. */
    public float[] probabilities(EncoderInput input) {
        float[] p = logits(input);
        KernelProvider.get().softmaxRows(p, 0, input.batch(), config.numLabels());
        return p;
    }

    /** HF {@code last_hidden_state} [batch, seq, hidden]. */
    public Tensor lastHiddenState(EncoderInput input) {
        return backbone.lastHiddenState(input);
    }

    /** Mask-weighted mean of the last hidden state, [batch, hidden]. */
    public float[] meanPooled(EncoderInput input) {
        return backbone.meanPooled(input);
    }

    /** Forward pass keeping what backward needs; dropout on when {@code rng} is non-null. */
    public Trace forwardTrain(EncoderInput input, SplittableRandom rng) {
        Backbone.Trace bt = backbone.forwardTrain(input, rng);
        return new Trace(bt, head.forward(bt.hidden(), input.batch(), input.seqLen(), rng));
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
        backward(t, dLogits, null, null);
    }

    /**
     * As {@link #backward(Trace, float[])}, plus gradients on the backbone's hidden states in
     * {@link Backbone.Trace#hiddenStates()} order and on every layer's attention probabilities
     * (null entries or lists for none), for distillation.
     */
    public void backward(Trace t, float[] dLogits, List<float[]> dHiddenStates, List<float[]> dAttentionProbs) {
        EncoderInput input = t.backbone().input();
        float[] dHidden = head.backward(t.head(), t.backbone().hidden(), input.batch(), input.seqLen(), dLogits);
        backbone.backward(t.backbone(), dHidden, dHiddenStates, dAttentionProbs);
    }
}
