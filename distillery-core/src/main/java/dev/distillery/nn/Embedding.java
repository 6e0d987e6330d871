package dev.distillery.nn;

import dev.distillery.kernel.RowTable;
import dev.distillery.tensor.Tensor;

import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code torch.nn.Embedding}: a lookup table [count, dim], trainable (an FP32 master whose
 * backward scatters rows back) or frozen over a {@link RowTable} of any format, whose rows are
 * decoded as they are gathered.
 */
public final class Embedding {
    private final String name;    // Hugging Face name without .weight
    private final Parameter weight; // [count, dim]; null when frozen
    private final RowTable table;   // frozen rows; null when trainable
    private final int count;
    private final int dim;
    private final int paddingIdx;

    /** Trainable, initialised from N(0, 0.02²) with row {@code paddingIdx} zeroed as HF does; −1 for none. */
    public Embedding(String name, int count, int dim, int paddingIdx, SplittableRandom rng) {
        this(name, count, dim, paddingIdx, Init.BERT_STD, rng);
    }

    /** Trainable, initialised from N(0, std²) with row {@code paddingIdx} zeroed; −1 for none. */
    public Embedding(String name, int count, int dim, int paddingIdx, float std, SplittableRandom rng) {
        this.name = name;
        this.count = count;
        this.dim = dim;
        this.paddingIdx = paddingIdx;
        this.table = null;
        this.weight = new Parameter(name + ".weight", Tensor.zeros(count, dim));
        Init.normal(weight.data(), std, rng);
        if (paddingIdx >= 0) {
            java.util.Arrays.fill(weight.data(), paddingIdx * dim, (paddingIdx + 1) * dim, 0f);
        }
    }

    private Embedding(String name, RowTable table) {
        this.name = name;
        this.table = table;
        this.weight = null;
        this.count = table.rows();
        this.dim = table.width();
        this.paddingIdx = -1;
    }

    /** A frozen table, used as given. */
    public static Embedding frozen(String name, RowTable table) {
        return new Embedding(name, table);
    }

    /** The trainable master [count, dim]. */
    public Parameter weight() {
        if (weight == null) {
            throw new UnsupportedOperationException(name + " is frozen (" + table + ")");
        }
        return weight;
    }

    /** The rows as they are held: the frozen table, or a view of the master. */
    public RowTable table() {
        return table != null ? table : RowTable.fp32(weight.data(), count, dim);
    }

    public List<Parameter> parameters() {
        return weight == null ? List.of() : List.of(weight);
    }

    public int count() {
        return count;
    }

    public int dim() {
        return dim;
    }

    /** A frozen copy of the current rows. */
    public Embedding freeze() {
        return table != null ? this : frozen(name, RowTable.fp32(weight.data().clone(), count, dim));
    }

    /** out[i·dim ..] += W[ids[i]] for each of ids.length rows of width dim. */
    public void addTo(int[] ids, float[] out) {
        RowTable rows = table();
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id >= count) {
                throw new IllegalArgumentException("id " + id + " at flat index " + i + " of the batch is outside "
                        + name + ".weight with " + count + " rows");
            }
            rows.addRow(id, out, i * dim);
        }
    }

    /**
     * dW[ids[i]] += dOut[i]: rows looked up twice receive both gradients. Like
     * {@code nn.Embedding(padding_idx=…)}, the padding row receives none, so it stays a fixed vector.
     * A frozen table takes no gradient.
     */
    public void backward(int[] ids, float[] dOut) {
        if (weight == null) {
            return;
        }
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

    /** Bytes of the table as held. */
    public long bytes() {
        return table != null ? table.bytes() : 4L * count * dim;
    }

    @Override
    public String toString() {
        return name + "[" + count + "×" + dim + "]";
    }
}
