package dev.distillery.model;

import dev.distillery.kernel.KernelProvider;
import dev.distillery.kernel.LinearWeight;
import dev.distillery.nn.Activations;

/**
 * A sequence classifier for inference only: a {@link FrozenEncoder} and the head of
 * {@link SequenceClassifier}, every linear weight a {@link LinearWeight} of any format.
 * <pre>
 *   BERT:       logits = classifier(tanh(pooler.dense(h[:, 0])))
 *   DistilBERT: logits = classifier(relu(pre_classifier(h[:, 0])))
 * </pre>
 * Life cycle: {@link SequenceClassifier#freeze()} snapshots an FP32 model (training it afterwards
 * is not seen), {@link #fromWeights} assembles one from a checkpoint in any format; then
 * {@link #logits} from any number of threads. Example: for a BERT model {@code m},
 * {@code m.freeze().logits(input)} equals {@code m.logits(input)} up to summation order.
 */
public final class FrozenClassifier {
    private final FrozenEncoder encoder;
    private final LinearWeight headDense;  // pooler.dense or pre_classifier, [hidden, hidden]
    private final float[] headBias;        // [hidden]
    private final LinearWeight classifier; // [labels, hidden]
    private final float[] classifierBias;  // [labels]

    public FrozenClassifier(FrozenEncoder encoder, LinearWeight headDense, float[] headBias, LinearWeight classifier,
                            float[] classifierBias) {
        int h = encoder.config().hiddenSize();
        int labels = encoder.config().numLabels();
        if (headDense.out() != h || headDense.in() != h || headBias.length != h) {
            throw new IllegalArgumentException("the head's dense layer must be [" + h + "×" + h + "] with " + h
                    + " biases, got [" + headDense.out() + "×" + headDense.in() + "] with " + headBias.length);
        }
        if (classifier.out() != labels || classifier.in() != h || classifierBias.length != labels) {
            throw new IllegalArgumentException("the classifier must be [" + labels + "×" + h + "] with " + labels
                    + " biases, got [" + classifier.out() + "×" + classifier.in() + "] with " + classifierBias.length);
        }
        this.encoder = encoder;
        this.headDense = headDense;
        this.headBias = headBias;
        this.classifier = classifier;
        this.classifierBias = classifierBias;
    }

    /**
     * Assembles a classifier for {@code config} from tensors under their Hugging Face names
     * ({@code bert.…} or {@code distilbert.…}, {@code classifier.…}).
     *
     * @throws WeightMismatchException (from {@code source}) naming a missing or wrongly shaped tensor
     */
    public static FrozenClassifier fromWeights(EncoderConfig config, WeightSource source) {
        boolean distil = config.isDistilBert();
        int h = config.hiddenSize();
        FrozenEncoder encoder = FrozenEncoder.fromWeights(config, source, distil ? "distilbert." : "bert.");
        String head = distil ? "pre_classifier" : "bert.pooler.dense";
        int labels = config.numLabels();
        return new FrozenClassifier(encoder, source.linear(head + ".weight", h, h), source.vector(head + ".bias", h),
                source.linear("classifier.weight", labels, h), source.vector("classifier.bias", labels));
    }

    public EncoderConfig config() {
        return encoder.config();
    }

    public FrozenEncoder encoder() {
        return encoder;
    }

    /** Bytes of weights held, each as its format keeps it: the in-memory size of this model. */
    public long bytes() {
        return encoder.bytes() + headDense.bytes() + classifier.bytes() + 4L * (headBias.length + classifierBias.length);
    }

    /** Parameters (weights and biases counted one each, whatever their storage format). */
    public long parameters() {
        return encoder.parameters() + (long) headDense.out() * headDense.in() + (long) classifier.out() * classifier.in()
                + headBias.length + classifierBias.length;
    }

    /** Logits [batch, labels] in evaluation mode, as {@link SequenceClassifier#logits}. */
    public float[] logits(EncoderInput input) {
        int batch = input.batch();
        int seq = input.seqLen();
        int h = config().hiddenSize();
        int labels = config().numLabels();
        float[] hidden = encoder.hidden(input); // [batch·seq, hidden]
        float[] pre = new float[batch * h];     // [batch, hidden]
        for (int b = 0; b < batch; b++) {
            System.arraycopy(headBias, 0, pre, b * h, h);
        }
        // The first token of each sequence, read in place through a row stride of seq·hidden.
        headDense.multiplyAdd(hidden, 0, seq * h, pre, 0, h, batch);
        float[] activated = config().isDistilBert() ? Activations.relu(pre) : Activations.tanh(pre);
        float[] logits = new float[batch * labels]; // [batch, labels]
        for (int b = 0; b < batch; b++) {
            System.arraycopy(classifierBias, 0, logits, b * labels, labels);
        }
        classifier.multiplyAdd(activated, 0, h, logits, 0, labels, batch);
        return logits;
    }

    /** Class probabilities softmax(logits), [batch, labels]. */
    public float[] probabilities(EncoderInput input) {
        float[] p = logits(input);
        KernelProvider.get().softmaxRows(p, 0, input.batch(), config().numLabels());
        return p;
    }
}
