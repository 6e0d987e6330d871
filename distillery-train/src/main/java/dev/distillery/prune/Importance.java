package dev.distillery.prune;

import dev.distillery.classify.BatchInference;
import dev.distillery.model.CrossEntropy;
import dev.distillery.model.LayerTensors;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
import dev.distillery.model.ModelFamily;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.nn.Parameter;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * How much the loss depends on each attention head and feed-forward neuron, as the gradient of the
 * loss with respect to a mask ξ on it (Michel, Levy and Neubig, "Are Sixteen Heads Really Better
 * than One?", 2019; for neurons the first-order Taylor criterion of Molchanov et al., "Pruning
 * Convolutional Neural Networks for Resource Efficient Inference", 2017):
 * <pre>
 *   I_h = Σ_batches | ∂L/∂ξ_h | = Σ_batches | Σ_tokens ⟨context_h, ∂L/∂context_h⟩ |
 * </pre>
 * No mask is added to the model: head h's context only feeds the columns of the attention output
 * projection W_o that belong to it, so Σ_tokens ⟨context_h, ∂L/∂context_h⟩ = Σ_{o, j∈h} W_o[o,j]·∂L/∂W_o[o,j],
 * which one ordinary backward pass gives. Neuron n of the feed-forward block likewise feeds column
 * n of its second projection. Layers are scored by ablation instead ({@link #layerAblationLoss}).
 *
 * <p>The loss is cross-entropy on the sample's labels in evaluation mode (no dropout), one
 * absolute value per batch as in Michel et al.'s code.
 */
public final class Importance {
    private Importance() {
    }

    /**
     * @param heads   per layer, one score per head present, in stored order ([layers][heads in layer])
     * @param neurons per layer, one score per feed-forward neuron ([layers][ffn])
     */
    public record Scores(float[][] heads, float[][] neurons) {
    }

    /** Gradient-based head and neuron importance of {@code model} over {@code sample} in batches of {@code batchSize}. */
    public static Scores gradient(SequenceClassifier model, TokenizedExamples sample, int batchSize) {
        if (sample.size() == 0) {
            throw new IllegalArgumentException(sample.name() + " has no examples to score importance on");
        }
        ModelConfig c = model.config();
        ModelFamily family = ModelFamilies.of(c);
        Map<String, Parameter> byName = new HashMap<>();
        for (Parameter p : model.parameters()) {
            byName.put(p.name(), p);
        }
        float[][] heads = new float[c.numLayers()][];
        float[][] neurons = new float[c.numLayers()][c.intermediateSize()];
        for (int l = 0; l < c.numLayers(); l++) {
            heads[l] = new float[c.headsInLayer(l)];
        }
        for (int from = 0; from < sample.size(); from += batchSize) {
            int[] rows = new int[Math.min(batchSize, sample.size() - from)];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = from + i;
            }
            model.parameters().forEach(Parameter::zeroGrad);
            SequenceClassifier.TrainingStep step = model.forwardTrain(sample.pad(rows), sample.labels(rows), null);
            model.backward(step);
            for (int l = 0; l < c.numLayers(); l++) {
                LayerTensors t = family.layerTensors(c, l);
                accumulate(byName.get(t.headColumns() + ".weight"), c.headSize(), heads[l]);
                accumulate(byName.get(t.neuronColumns() + ".weight"), 1, neurons[l]);
            }
        }
        model.parameters().forEach(Parameter::zeroGrad);
        return new Scores(heads, neurons);
    }

    /**
     * Adds |Σ_{o, j in group g} W[o,j]·G[o,j]| to {@code scores[g]} for W [out, groups·groupSize],
     * the mask gradient of each group of input columns.
     */
    private static void accumulate(Parameter p, int groupSize, float[] scores) {
        float[] w = p.data();
        float[] g = p.grad().data();
        int in = p.value().shape()[1];
        int out = p.value().shape()[0];
        double[] sums = new double[scores.length];
        for (int o = 0; o < out; o++) {
            int row = o * in;
            for (int j = 0; j < in; j++) {
                sums[j / groupSize] += (double) w[row + j] * g[row + j];
            }
        }
        for (int i = 0; i < scores.length; i++) {
            scores[i] += (float) Math.abs(sums[i]);
        }
    }

    /**
     * Mean cross-entropy of {@code model} on {@code sample} with each layer left out in turn
     * ([layers]): the loss the model would have without it, so the smallest marks the layer that
     * matters least. Measured, not estimated: a post-LN layer is not a residual branch that a
     * first-order mask could switch off cleanly.
     */
    public static float[] layerAblationLoss(SequenceClassifier model, TokenizedExamples sample, int batchSize) {
        int layers = model.config().numLayers();
        float[] loss = new float[layers];
        for (int drop = 0; drop < layers; drop++) {
            int[] kept = new int[layers - 1];
            for (int l = 0, k = 0; l < layers; l++) {
                if (l != drop) {
                    kept[k++] = l;
                }
            }
            loss[drop] = meanLoss(StructuredPruner.keepLayers(model, kept), sample, batchSize);
        }
        return loss;
    }

    /** Mean cross-entropy in evaluation mode. */
    public static float meanLoss(SequenceClassifier model, TokenizedExamples sample, int batchSize) {
        float[] logits = BatchInference.logits(model, sample, batchSize);
        return CrossEntropy.compute(logits, sample.labels().clone(), model.config().numLabels(), null).value();
    }

    /** Indices of the {@code count} largest scores, ascending (ties keep the lower index). */
    static int[] topIndices(float[] scores, int count) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> scores[a] != scores[b] ? Float.compare(scores[b], scores[a]) : Integer.compare(a, b));
        int[] top = new int[count];
        for (int i = 0; i < count; i++) {
            top[i] = order[i];
        }
        Arrays.sort(top);
        return top;
    }
}
