package dev.distillery.model;

import dev.distillery.kernel.KernelProvider;
import dev.distillery.kernel.Kernels;
import dev.distillery.kernel.Parallel;
import dev.distillery.kernel.RowTable;
import dev.distillery.nn.FrozenEncoderLayer;
import dev.distillery.nn.SelfAttention;

import dev.distillery.kernel.LinearWeight;

import java.util.ArrayList;
import java.util.List;

/**
 * A read-only snapshot of an {@link Encoder} for serving: the same evaluation-mode forward pass
 * over copied weights, with the layers' projections pre-packed ({@link FrozenEncoderLayer}) and
 * scratch memory reused per thread. Results equal {@link Encoder#hidden} up to summation order.
 *
 * <p>Life cycle: {@code FrozenEncoder f = encoder.freeze();} after loading or training, then call
 * {@link #meanPooled} from any number of threads; training the source encoder afterwards does not
 * change the snapshot, so freeze again to serve new weights. {@link #of} builds one from weights
 * of any format: quantized linear weights ({@code kernel.lowbit}) and, optionally, quantized
 * embedding tables whose rows are decoded as they are gathered.
 */
public final class FrozenEncoder {
    private static final ThreadLocal<FrozenEncoderLayer.Workspace> WORKSPACE =
            ThreadLocal.withInitial(FrozenEncoderLayer.Workspace::new);

    private final EncoderConfig config;
    private final RowTable words;     // [vocab, hidden]
    private final RowTable positions; // [maxPositions, hidden]
    private final RowTable types;     // [typeVocab, hidden], null for DistilBERT
    private final float[] normGamma;  // [hidden]
    private final float[] normBeta;   // [hidden]
    private final List<FrozenEncoderLayer> layers;

    private FrozenEncoder(EncoderConfig config, RowTable words, RowTable positions, RowTable types,
                          float[] normGamma, float[] normBeta, List<FrozenEncoderLayer> layers) {
        this.config = config;
        this.words = words;
        this.positions = positions;
        this.types = types;
        this.normGamma = normGamma;
        this.normBeta = normBeta;
        this.layers = List.copyOf(layers);
    }

    /**
     * An encoder over the given parts, used as given (not copied); {@code types} is null for
     * DistilBERT. Throws when a table or the layer count disagrees with {@code config}.
     */
    public static FrozenEncoder of(EncoderConfig config, RowTable words, RowTable positions, RowTable types,
                                   float[] normGamma, float[] normBeta, List<FrozenEncoderLayer> layers) {
        int h = config.hiddenSize();
        checkTable("word_embeddings", words, config.vocabSize(), h);
        checkTable("position_embeddings", positions, config.maxPositions(), h);
        if (types != null) {
            checkTable("token_type_embeddings", types, config.typeVocabSize(), h);
        }
        if (normGamma.length != h || normBeta.length != h) {
            throw new IllegalArgumentException("the embedding LayerNorm must have " + h + " weights and biases, got "
                    + normGamma.length + " and " + normBeta.length);
        }
        if (layers.size() != config.numLayers()) {
            throw new IllegalArgumentException("the config names " + config.numLayers() + " layers but "
                    + layers.size() + " were given");
        }
        return new FrozenEncoder(config, words, positions, types, normGamma, normBeta, layers);
    }

    /**
     * Assembles an encoder for {@code config} from tensors under their Hugging Face names, each
     * prefixed with {@code prefix} ({@code "bert."}, {@code "distilbert."}, or {@code ""} for a
     * bare encoder such as an imported MiniLM); Q, K and V come from {@link WeightSource#stacked}.
     *
     * @throws WeightMismatchException (from {@code source}) naming a missing or wrongly shaped tensor
     */
    public static FrozenEncoder fromWeights(EncoderConfig config, WeightSource source, String prefix) {
        boolean distil = config.isDistilBert();
        int h = config.hiddenSize();
        int ffn = config.intermediateSize();
        String emb = prefix + "embeddings.";
        List<FrozenEncoderLayer> layers = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            String p = prefix + (distil ? "transformer.layer." : "encoder.layer.") + i + ".";
            String[] qkv = distil ? new String[] {"attention.q_lin", "attention.k_lin", "attention.v_lin"}
                    : new String[] {"attention.self.query", "attention.self.key", "attention.self.value"};
            String out = p + (distil ? "attention.out_lin" : "attention.output.dense");
            String norm1 = p + (distil ? "sa_layer_norm" : "attention.output.LayerNorm");
            String inter = p + (distil ? "ffn.lin1" : "intermediate.dense");
            String down = p + (distil ? "ffn.lin2" : "output.dense");
            String norm2 = p + (distil ? "output_layer_norm" : "output.LayerNorm");
            int inner = config.attentionWidth(i); // below h when heads were pruned
            float[] qkvBias = new float[3 * inner];
            for (int j = 0; j < 3; j++) {
                System.arraycopy(source.vector(p + qkv[j] + ".bias", inner), 0, qkvBias, j * inner, inner);
            }
            LinearWeight fused = source.stacked(
                    List.of(p + qkv[0] + ".weight", p + qkv[1] + ".weight", p + qkv[2] + ".weight"), inner, h);
            layers.add(new FrozenEncoderLayer(new FrozenEncoderLayer.Weights(config.headsInLayer(i), fused, qkvBias,
                    source.linear(out + ".weight", h, inner), source.vector(out + ".bias", h),
                    source.vector(norm1 + ".weight", h), source.vector(norm1 + ".bias", h), config.layerNormEps(),
                    source.linear(inter + ".weight", ffn, h), source.vector(inter + ".bias", ffn),
                    source.linear(down + ".weight", h, ffn), source.vector(down + ".bias", h),
                    source.vector(norm2 + ".weight", h), source.vector(norm2 + ".bias", h), config.layerNormEps())));
        }
        boolean types = !distil && config.typeVocabSize() > 0;
        FrozenEncoder encoder = FrozenEncoder.of(config,
                source.table(emb + "word_embeddings.weight", config.vocabSize(), h),
                source.table(emb + "position_embeddings.weight", config.maxPositions(), h),
                types ? source.table(emb + "token_type_embeddings.weight", config.typeVocabSize(), h) : null,
                source.vector(emb + "LayerNorm.weight", h), source.vector(emb + "LayerNorm.bias", h), layers);
        return encoder;
    }

    /** The FP32 snapshot {@link Encoder#freeze} takes; the arrays are already copies. */
    static FrozenEncoder fp32(EncoderConfig config, float[] words, float[] positions, float[] types,
                              float[] normGamma, float[] normBeta, List<FrozenEncoderLayer> layers) {
        int h = config.hiddenSize();
        return of(config, RowTable.fp32(words, words.length / h, h), RowTable.fp32(positions, positions.length / h, h),
                types == null ? null : RowTable.fp32(types, types.length / h, h), normGamma, normBeta, layers);
    }

    private static void checkTable(String name, RowTable table, int rows, int width) {
        if (table.rows() != rows || table.width() != width) {
            throw new IllegalArgumentException(name + " must be [" + rows + "×" + width + "] for this config, got ["
                    + table.rows() + "×" + table.width() + "]");
        }
    }

    /** Bytes of weights held, each part as its format keeps it. */
    public long bytes() {
        long sum = words.bytes() + positions.bytes() + (types == null ? 0 : types.bytes()) + 8L * normGamma.length;
        for (FrozenEncoderLayer layer : layers) {
            sum += layer.bytes();
        }
        return sum;
    }

    /** Parameters (weights and biases counted one each, whatever their storage format). */
    public long parameters() {
        long sum = table(words) + table(positions) + (types == null ? 0 : table(types)) + 2L * normGamma.length;
        for (FrozenEncoderLayer layer : layers) {
            sum += layer.parameters();
        }
        return sum;
    }

    private static long table(RowTable t) {
        return (long) t.rows() * t.width();
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
            addRow(words, "word_embeddings", ids[i], i, x, dst);
            if (types != null) {
                addRow(types, "token_type_embeddings", typeIds[i], i, x, dst);
            }
            addRow(positions, "position_embeddings", i % seq, i, x, dst);
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

    private static void addRow(RowTable table, String name, int id, int at, float[] x, int dst) {
        if (id < 0 || id >= table.rows()) {
            throw new IllegalArgumentException("id " + id + " at flat index " + at + " of the batch is outside "
                    + name + " with " + table.rows() + " rows");
        }
        table.addRow(id, x, dst);
    }
}
