package dev.distillery.model;

import dev.distillery.nn.Activations;
import dev.distillery.nn.Dropout;
import dev.distillery.nn.Linear;
import dev.distillery.nn.Parameter;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The sequence-classification head of the encoder families, on the first token's hidden state:
 * <pre>
 *   logits = classifier(dropout(act(dense(h[:, 0]))))
 * </pre>
 * with the family's dense layer and activation: BERT's pooler ({@code bert.pooler.dense}, tanh),
 * DistilBERT's {@code pre_classifier} (ReLU). The first token is read in place through a row
 * stride of seq·hidden, so no copy of it is made.
 */
public final class ClassificationHead {
    /** The activation between the dense layer and the classifier. */
    public enum Activation {
        TANH, RELU;

        float[] apply(float[] x) {
            return this == TANH ? Activations.tanh(x) : Activations.relu(x);
        }

        /** dx from the activation's output y: relu(x) > 0 exactly where x > 0. */
        float[] backward(float[] y, float[] dy) {
            return this == TANH ? Activations.tanhBackward(y, dy) : Activations.reluBackward(y, dy);
        }
    }

    private final Linear dense;      // [hidden, hidden]
    private final Activation activation;
    private final float dropout;
    private final Linear classifier; // [labels, hidden]

    /** The head's activations backward needs; {@code logits} [batch, labels] is the result. */
    public record Trace(float[] activated, float[] dropMask, float[] logits) {
    }

    public ClassificationHead(Linear dense, Activation activation, float dropout, Linear classifier) {
        if (dense.in() != dense.out() || classifier.in() != dense.out()) {
            throw new IllegalArgumentException("the head's dense layer must be square and feed the classifier; got "
                    + dense + " and " + classifier);
        }
        this.dense = dense;
        this.activation = activation;
        this.dropout = dropout;
        this.classifier = classifier;
    }

    public int numLabels() {
        return classifier.out();
    }

    /** Trainable parameters: the dense layer's, then the classifier's; empty when frozen. */
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>(dense.parameters());
        all.addAll(classifier.parameters());
        return all;
    }

    /** A frozen copy of the current weights. */
    public ClassificationHead freeze() {
        return new ClassificationHead(dense.freeze(), activation, dropout, classifier.freeze());
    }

    public long bytes() {
        return dense.bytes() + classifier.bytes();
    }

    public long parameterCount() {
        return dense.parameterCount() + classifier.parameterCount();
    }

    /**
     * Logits of the first token of each sequence of {@code hidden} [batch·seq, hidden]; dropout
     * before the classifier when {@code rng} is non-null.
     */
    public Trace forward(float[] hidden, int batch, int seq, SplittableRandom rng) {
        int h = dense.in();
        float[] pre = new float[batch * h]; // [batch, hidden]
        dense.forward(hidden, 0, seq * h, pre, batch, null);
        float[] activated = activation.apply(pre);
        float[] dropMask = Dropout.mask(activated.length, dropout, rng);
        float[] logits = new float[batch * classifier.out()]; // [batch, labels]
        classifier.forward(Dropout.applyCopy(activated, dropMask), 0, h, logits, batch, null);
        return new Trace(activated, dropMask, logits);
    }

    /** Adds the head's gradients and returns dLoss/dHidden [batch·seq, hidden] (non-zero at first tokens only). */
    public float[] backward(Trace t, float[] hidden, int batch, int seq, float[] dLogits) {
        int h = dense.in();
        float[] dDropped = classifier.backward(Dropout.applyCopy(t.activated(), t.dropMask()), 0, h, dLogits, batch, null);
        Dropout.apply(dDropped, t.dropMask());
        float[] dPre = activation.backward(t.activated(), dDropped);
        float[] dCls = dense.backward(hidden, 0, seq * h, dPre, batch, null); // [batch, hidden]
        float[] dHidden = new float[batch * seq * h];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(dCls, b * h, dHidden, b * seq * h, h);
        }
        return dHidden;
    }
}
