package dev.distillery.model;

import dev.distillery.kernel.Parallel;
import dev.distillery.nn.Attention;
import dev.distillery.nn.Dropout;
import dev.distillery.nn.Embedding;
import dev.distillery.nn.EncoderBlock;
import dev.distillery.nn.LayerNorm;
import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The backbone of the encoder families: HF {@code BertModel} minus its pooler, or
 * {@code DistilBertModel} (Devlin et al., "BERT", 2019; Sanh et al., "DistilBERT", 2019).
 *
 * <p>embeddings = LN(word[ids] + type[typeIds] + position[0..seq)) then dropout, followed by
 * {@code numLayers} post-LN {@link EncoderBlock}s, each built by the config's
 * {@link EncoderFamily}; a family without token types has no type table.
 *
 * <p>Life cycle: {@link #create} gives a seeded random (trainable) encoder with bare names and
 * {@link #loadWeights} fills it from a Hugging Face weight map; {@link #fromWeights} assembles a
 * frozen one from weights of any format (quantized projections, quantized embedding tables whose
 * rows are decoded as they are gathered); {@link #freeze} snapshots a trainable one for serving.
 * Inference keeps no state, reusing scratch memory per thread, so threads may share an encoder.
 */
public final class Encoder implements Backbone {
    /** HF initialises the embedding row of {@code pad_token_id}, 0 in every BERT vocabulary, to zero. */
    private static final int PAD_TOKEN_ID = 0;
    private static final ThreadLocal<EncoderBlock.Workspace> WORKSPACE =
            ThreadLocal.withInitial(EncoderBlock.Workspace::new);

    private final EncoderConfig config;
    private final EncoderFamily family;
    private final Embedding words;
    private final Embedding positions;
    private final Embedding types; // null for a family without token types
    private final LayerNorm embeddingNorm;
    private final List<EncoderBlock> layers;
    private final List<Parameter> parameters;

    /**
     * Everything backward needs; {@code hidden} [batch·seq, hidden] is the last hidden state and
     * {@code embedded} the embedding output after dropout, the first layer's input.
     */
    public record Trace(EncoderInput input, LayerNorm.Trace embeddingNorm, float[] embeddingDropMask,
                        float[] embedded, List<EncoderBlock.Trace> layers, float[] hidden) implements Backbone.Trace {
        @Override
        public List<float[]> hiddenStates() {
            List<float[]> states = new ArrayList<>(layers.size() + 1);
            states.add(embedded);
            for (EncoderBlock.Trace t : layers) {
                states.add(t.y());
            }
            return states;
        }

        @Override
        public List<float[]> attentionProbs() {
            return layers.stream().map(EncoderBlock.Trace::probs).toList();
        }
    }

    private Encoder(EncoderConfig config, Embedding words, Embedding positions, Embedding types, LayerNorm embeddingNorm,
                    List<EncoderBlock> layers) {
        this.config = config;
        this.family = config.encoderFamily();
        int h = config.hiddenSize();
        check("word_embeddings", words, config.vocabSize(), h);
        check("position_embeddings", positions, config.maxPositions(), h);
        if (types != null) {
            check("token_type_embeddings", types, config.typeVocabSize(), h);
        }
        if (embeddingNorm.dim() != h) {
            throw new IllegalArgumentException("the embedding LayerNorm must have " + h + " entries, got "
                    + embeddingNorm.dim());
        }
        if (layers.size() != config.numLayers()) {
            throw new IllegalArgumentException("the config names " + config.numLayers() + " layers but "
                    + layers.size() + " were given");
        }
        this.words = words;
        this.positions = positions;
        this.types = types;
        this.embeddingNorm = embeddingNorm;
        this.layers = List.copyOf(layers);
        List<Parameter> all = new ArrayList<>(words.parameters());
        all.addAll(positions.parameters());
        if (types != null) {
            all.addAll(types.parameters());
        }
        all.addAll(embeddingNorm.parameters());
        for (EncoderBlock layer : layers) {
            all.addAll(layer.parameters());
        }
        this.parameters = List.copyOf(all);
    }

    private static void check(String name, Embedding table, int rows, int width) {
        if (table.count() != rows || table.dim() != width) {
            throw new IllegalArgumentException(name + " must be [" + rows + "×" + width + "] for this config, got ["
                    + table.count() + "×" + table.dim() + "]");
        }
    }

    /**
     * An encoder of {@code config} whose modules come from {@code modules} under the family's
     * names below {@code prefix} (the family's prefix as in a classifier, or "" for a bare encoder),
     * built in Hugging Face's order so a seed draws the same initial weights.
     */
    public static Encoder build(EncoderConfig config, ModuleSource modules, String prefix) {
        EncoderFamily family = config.encoderFamily();
        boolean tokenTypes = family.names().tokenTypes() && config.typeVocabSize() > 0;
        int h = config.hiddenSize();
        Embedding words = modules.embedding(prefix + EncoderNames.WORDS, config.vocabSize(), h, PAD_TOKEN_ID);
        Embedding positions = modules.embedding(prefix + EncoderNames.POSITIONS, config.maxPositions(), h, -1);
        Embedding types = tokenTypes
                ? modules.embedding(prefix + EncoderNames.TYPES, config.typeVocabSize(), h, -1) : null;
        LayerNorm norm = modules.layerNorm(prefix + EncoderNames.EMBEDDING_NORM, h, config.layerNormEps());
        List<EncoderBlock> layers = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            layers.add(family.block(config, i, modules, prefix));
        }
        return new Encoder(config, words, positions, types, norm, layers);
    }

    /** A randomly initialised, trainable encoder with bare HF names ({@code embeddings.*}, {@code encoder.layer.*}). */
    public static Encoder create(EncoderConfig config, long seed) {
        return build(config, ModuleSource.random(new SplittableRandom(seed)), "");
    }

    /**
     * A frozen encoder for {@code config} over tensors named with {@code prefix} (the family's,
     * or "" for a bare encoder such as an imported MiniLM); Q, K and V come from
     * {@link WeightSource#stacked}.
     *
     * @throws WeightMismatchException (from {@code source}) naming a missing or wrongly shaped tensor
     */
    public static Encoder fromWeights(EncoderConfig config, WeightSource source, String prefix) {
        return build(config, ModuleSource.frozen(source), prefix);
    }

    @Override
    public EncoderConfig config() {
        return config;
    }

    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    /** The blocks, in order. */
    public List<EncoderBlock> layers() {
        return layers;
    }

    /**
     * Copies in every encoder tensor from a HF map, named with or without the family prefix. Heads
     * (a BERT pooler, a classifier, masked-LM heads) and buffers such as {@code position_ids} are
     * skipped and reported, so the encoder of any checkpoint of the family loads; anything else
     * unknown, missing or wrongly shaped throws.
     *
     * @throws WeightMismatchException listing every problem at once; the model is then unchanged
     */
    @Override
    public LoadReport loadWeights(Map<String, Tensor> weights) {
        EncoderNames names = family.names();
        String pooler = names.bare(names.headDense()) + ".";
        return WeightBinder.bind(config.family() + " encoder", parameters, weights, names.prefix(), name -> false,
                name -> names.isTopLevelHead(name) || names.bare(name).startsWith(pooler)
                        || names.isPretrainingHead(name));
    }

    @Override
    public Encoder freeze() {
        List<EncoderBlock> frozen = new ArrayList<>(layers.size());
        for (EncoderBlock layer : layers) {
            frozen.add(layer.freeze());
        }
        return new Encoder(config, words.freeze(), positions.freeze(), types == null ? null : types.freeze(),
                embeddingNorm.freeze(), frozen);
    }

    @Override
    public long bytes() {
        long sum = words.bytes() + positions.bytes() + (types == null ? 0 : types.bytes()) + embeddingNorm.bytes();
        for (EncoderBlock layer : layers) {
            sum += layer.bytes();
        }
        return sum;
    }

    @Override
    public long parameterCount() {
        long sum = table(words) + table(positions) + (types == null ? 0 : table(types)) + 2L * embeddingNorm.dim();
        for (EncoderBlock layer : layers) {
            sum += layer.parameterCount();
        }
        return sum;
    }

    private static long table(Embedding e) {
        return (long) e.count() * e.dim();
    }

    @Override
    public float[] hidden(EncoderInput input) {
        return forward(input, null, false, null).hidden();
    }

    @Override
    public List<float[]> hiddenStates(EncoderInput input) {
        List<float[]> states = new ArrayList<>(layers.size() + 1);
        forward(input, null, false, states);
        return states;
    }

    @Override
    public Trace forwardTrain(EncoderInput input, SplittableRandom rng) {
        return forward(input, rng, true, null);
    }

    /**
     * The one forward pass: with {@code keep} every block keeps its activations in the returned
     * trace; without it the hidden state is updated in place with per-thread scratch, and only
     * {@link Trace#hidden()} is set. {@code states}, when non-null, receives a copy of every hidden state.
     */
    private Trace forward(EncoderInput input, SplittableRandom rng, boolean keep, List<float[]> states) {
        int batch = input.batch();
        int seq = input.seqLen();
        int tokens = batch * seq;
        int h = config.hiddenSize();
        float[] maskAdd = Attention.additiveMask(input.attentionMask());
        float[] x = embed(input);
        LayerNorm.Trace norm = null;
        float[] dropMask = null;
        if (keep) {
            norm = embeddingNorm.forwardTrain(x, tokens);
            dropMask = Dropout.mask(tokens * h, config.hiddenDropout(), rng);
            x = Dropout.applyCopy(norm.y(), dropMask);
        } else {
            float[] in = x;
            Parallel.forRange(tokens, (from, to) ->
                    embeddingNorm.forward(in, from * h, in, from * h, to - from, null, null));
        }
        float[] embedded = x;
        if (states != null) {
            states.add(x.clone());
        }
        List<EncoderBlock.Trace> traces = keep ? new ArrayList<>(layers.size()) : null;
        EncoderBlock.Workspace ws = keep ? null : WORKSPACE.get();
        for (EncoderBlock layer : layers) {
            EncoderBlock.Trace t = layer.forward(x, maskAdd, batch, seq, rng, keep, ws);
            if (keep) {
                traces.add(t);
                x = t.y();
            }
            if (states != null) {
                states.add(x.clone());
            }
        }
        return new Trace(input, norm, dropMask, embedded, traces, x);
    }

    /** Adds every parameter's gradient given dLoss/dHidden [batch·seq, hidden]. */
    public void backward(Trace t, float[] dHidden) {
        backward(t, dHidden, null, null);
    }

    @Override
    public void backward(Backbone.Trace trace, float[] dHidden, List<float[]> dHiddenStates,
                         List<float[]> dAttentionProbs) {
        Trace t = (Trace) trace;
        if (dAttentionProbs != null && dAttentionProbs.size() != layers.size()) {
            throw new IllegalArgumentException(dAttentionProbs.size() + " attention gradients for " + layers.size()
                    + " layers");
        }
        if (dHiddenStates != null && dHiddenStates.size() != layers.size() + 1) {
            throw new IllegalArgumentException(dHiddenStates.size() + " hidden-state gradients for "
                    + (layers.size() + 1) + " hidden states");
        }
        float[] dx = dHidden != null ? dHidden.clone() : new float[t.hidden().length];
        for (int i = layers.size(); i >= 0; i--) {
            if (dHiddenStates != null && dHiddenStates.get(i) != null) {
                float[] extra = dHiddenStates.get(i);
                for (int j = 0; j < dx.length; j++) {
                    dx[j] += extra[j];
                }
            }
            if (i > 0) {
                dx = layers.get(i - 1).backward(t.layers().get(i - 1), dx,
                        dAttentionProbs == null ? null : dAttentionProbs.get(i - 1));
            }
        }
        dx = Dropout.applyCopy(dx, t.embeddingDropMask());
        float[] dEmbedded = embeddingNorm.backward(t.embeddingNorm(), dx);
        EncoderInput in = t.input();
        words.backward(in.inputIds(), dEmbedded);
        if (types != null) {
            types.backward(in.tokenTypeIds(), dEmbedded);
        }
        positions.backward(positionIds(in), dEmbedded);
    }

    /** word + type + position embeddings, summed in HF's order so rounding matches. */
    private float[] embed(EncoderInput input) {
        if (input.seqLen() > config.maxPositions()) {
            throw new IllegalArgumentException("sequence length " + input.seqLen() + " exceeds the model's "
                    + config.maxPositions() + " positions");
        }
        float[] x = new float[input.batch() * input.seqLen() * config.hiddenSize()];
        words.addTo(input.inputIds(), x);
        if (types != null) {
            types.addTo(input.tokenTypeIds(), x);
        }
        positions.addTo(positionIds(input), x);
        return x;
    }

    private static int[] positionIds(EncoderInput input) {
        int[] ids = new int[input.batch() * input.seqLen()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i % input.seqLen();
        }
        return ids;
    }
}
