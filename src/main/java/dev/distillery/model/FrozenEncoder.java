package dev.distillery.model;

import dev.distillery.kernel.KernelProvider;
import dev.distillery.kernel.Kernels;
import dev.distillery.kernel.Parallel;
import dev.distillery.nn.FrozenEncoderLayer;
import dev.distillery.nn.SelfAttention;

import java.util.List;

/**
 * A read-only snapshot of an {@link Encoder} for serving: the same evaluation-mode forward pass
 * over copied weights, with the layers' projections pre-packed ({@link FrozenEncoderLayer}) and
 * scratch memory reused per thread. Results equal {@link Encoder#hidden} up to summation order.
 *
 * <p>Life cycle: {@code FrozenEncoder f = encoder.freeze();} after loading or training, then call
 * {@link #meanPooled} from any number of threads; training the source encoder afterwards does not
 * change the snapshot, so freeze again to serve new weights.
 */
public final class FrozenEncoder {
    private static final ThreadLocal<FrozenEncoderLayer.Workspace> WORKSPACE =
            ThreadLocal.withInitial(FrozenEncoderLayer.Workspace::new);

    private final EncoderConfig config;
    private final float[] words;     // [vocab, hidden]
    private final float[] positions; // [maxPositions, hidden]
    private final float[] types;     // [typeVocab, hidden], null for DistilBERT
    private final float[] normGamma; // [hidden]
    private final float[] normBeta;  // [hidden]
    private final List<FrozenEncoderLayer> layers;

    FrozenEncoder(EncoderConfig config, float[] words, float[] positions, float[] types,
                  float[] normGamma, float[] normBeta, List<FrozenEncoderLayer> layers) {
        this.config = config;
        this.words = words;
        this.positions = positions;
        this.types = types;
        this.normGamma = normGamma;
        this.normBeta = normBeta;
        this.layers = List.copyOf(layers);
    }

    public EncoderConfig config() {
        return config;
    }

    /** The last hidden state flat, [batch·seq, hidden], as {@link Encoder#hidden}. */
    public float[] hidden(EncoderInput input) {
        int batch = input.batch();
        int seq = input.seqLen();
        int h = config.hiddenSize();
        if (seq > config.maxPositions()) {
            throw new IllegalArgumentException("sequence length " + seq + " exceeds the model's "
                    + config.maxPositions() + " positions");
        }
        float[] x = new float[batch * seq * h]; // [batch·seq, hidden]
        int[] ids = input.inputIds();
        int[] typeIds = input.tokenTypeIds();
        // word + type + position, in HF's order so rounding matches Encoder.
        for (int i = 0; i < ids.length; i++) {
            int dst = i * h;
            addRow(words, config.vocabSize(), "word_embeddings", ids[i], i, x, dst, h);
            if (types != null) {
                addRow(types, config.typeVocabSize(), "token_type_embeddings", typeIds[i], i, x, dst, h);
            }
            addRow(positions, config.maxPositions(), "position_embeddings", i % seq, i, x, dst, h);
        }
        Kernels k = KernelProvider.get();
        float eps = config.layerNormEps();
        Parallel.forRange(batch * seq, (from, to) ->
                k.layerNormRows(x, from * h, normGamma, normBeta, x, from * h, null, null, to - from, h, eps));
        float[] maskAdd = SelfAttention.additiveMask(input.attentionMask());
        FrozenEncoderLayer.Workspace ws = WORKSPACE.get();
        for (FrozenEncoderLayer layer : layers) {
            layer.forward(x, maskAdd, batch, seq, ws);
        }
        return x;
    }

    /** The mask-weighted mean of the last hidden state, [batch, hidden], as {@link Encoder#meanPooled}. */
    public float[] meanPooled(EncoderInput input) {
        return MeanPooling.forward(hidden(input), input, config.hiddenSize());
    }

    private static void addRow(float[] table, int rows, String name, int id, int at, float[] x, int dst, int h) {
        if (id < 0 || id >= rows) {
            throw new IllegalArgumentException("id " + id + " at flat index " + at + " of the batch is outside "
                    + name + " with " + rows + " rows");
        }
        int src = id * h;
        for (int j = 0; j < h; j++) {
            x[dst + j] += table[src + j];
        }
    }
}
