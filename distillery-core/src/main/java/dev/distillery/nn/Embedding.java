package dev.distillery.nn;

import dev.distillery.tensor.Tensor;

import java.util.List;
import java.util.SplittableRandom;

/** {@code torch.nn.Embedding}: a lookup table [count, dim] whose backward scatters rows back. */
public final class Embedding {
    private final Parameter weight; // [count, dim]
    private final int count;
    private final int dim;
    private final int paddingIdx;

    /**
     * Initialised from N(0, 0.02²) with row {@code paddingIdx} zeroed as HF does; −1 for none.
     */
    public Embedding(String name, int count, int dim, int paddingIdx, SplittableRandom rng) {
        this.count = count;
        this.dim = dim;
        this.paddingIdx = paddingIdx;
        this.weight = new Parameter(name + ".weight", Tensor.zeros(count, dim));
        Init.normal(weight.data(), Init.BERT_STD, rng);
        if (paddingIdx >= 0) {
            java.util.Arrays.fill(weight.data(), paddingIdx * dim, (paddingIdx + 1) * dim, 0f);
        }
    }

    public Parameter weight() {
        return weight;
    }

    public List<Parameter> parameters() {
        return List.of(weight);
    }

    public int count() {
        return count;
    }

    /** out[i] += W[ids[i]] for each of ids.length rows of width dim. */
    public void addTo(int[] ids, float[] out) {
        float[] w = weight.data();
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id >= count) {
                throw new IllegalArgumentException("id " + id + " at flat index " + i + " of the batch is outside "
                        + weight.name() + " with " + count + " rows");
            }
            int src = id * dim;
            int dst = i * dim;
            for (int j = 0; j < dim; j++) {
                out[dst + j] += w[src + j];
            }
        }
    }

    /**
     * dW[ids[i]] += dOut[i]: rows looked up twice receive both gradients. Like
     * {@code nn.Embedding(padding_idx=…)}, the padding row receives none, so it stays a fixed vector.
     */
    public void backward(int[] ids, float[] dOut) {
        float[] g = weight.grad().data();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == paddingIdx) {
                continue;
            }
            int dst = ids[i] * dim;
            int src = i * dim;
            for (int j = 0; j < dim; j++) {
                g[dst + j] += dOut[src + j];
            }
        }
    }
}
