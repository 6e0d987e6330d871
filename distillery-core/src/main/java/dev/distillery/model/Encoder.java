package dev.distillery.model;

import dev.distillery.nn.Dropout;
import dev.distillery.nn.Embedding;
import dev.distillery.nn.EncoderLayer;
import dev.distillery.nn.FrozenEncoderLayer;
import dev.distillery.nn.LayerNorm;
import dev.distillery.nn.Linear;
import dev.distillery.nn.Parameter;
import dev.distillery.nn.SelfAttention;
import dev.distillery.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A BERT or DistilBERT encoder without a head: HF {@code BertModel} minus its pooler, or
 * {@code DistilBertModel} (Devlin et al., "BERT", 2019; Sanh et al., "DistilBERT", 2019).
 *
 * <p>embeddings = LN(word[ids] + type[typeIds] + position[0..seq)) then dropout, followed by
 * {@code numLayers} post-LN {@link EncoderLayer}s; DistilBERT has no token types.
 *
 * <p>Life cycle: {@link #create} gives a seeded random model; {@link #loadWeights} fills it from a
 * Hugging Face weight map. Inference methods keep no state, so threads may share an encoder;
 * {@link #forwardTrain} returns a trace that {@link #backward} consumes, adding into each
 * {@link Parameter}'s gradient. Example: {@code Encoder.create(cfg, 1).lastHiddenState(in)} has
 * shape [batch, seq, hidden].
 */
public final class Encoder {
    /** HF initialises the embedding row of {@code pad_token_id}, 0 in every BERT vocabulary, to zero. */
    private static final int PAD_TOKEN_ID = 0;

    private final EncoderConfig config;
    private final String familyPrefix;
    private final Embedding words;
    private final Embedding positions;
    private final Embedding types; // null for DistilBERT
    private final LayerNorm embeddingNorm;
    private final List<EncoderLayer> layers;
    private final List<Parameter> parameters;

    /**
     * Everything backward needs; {@code hidden} [batch·seq, hidden] is the last hidden state and
     * {@code embedded} the embedding output after dropout, the first layer's input.
     */
    public record Trace(EncoderInput input, LayerNorm.Trace embeddingNorm,
                        float[] embeddingDropMask, float[] embedded, List<EncoderLayer.Trace> layers,
                        float[] hidden) {
        /** HF {@code hidden_states}: the embedding output, then every layer's output, each [batch·seq, hidden]. */
        public List<float[]> hiddenStates() {
            List<float[]> states = new ArrayList<>(layers.size() + 1);
            states.add(embedded);
            for (EncoderLayer.Trace t : layers) {
                states.add(t.y());
            }
            return states;
        }
    }

    Encoder(EncoderConfig config, SplittableRandom rng, String prefix) {
        this.config = config;
        boolean distil = config.isDistilBert();
        this.familyPrefix = distil ? "distilbert." : "bert.";
        int h = config.hiddenSize();
        String emb = prefix + "embeddings.";
        words = new Embedding(emb + "word_embeddings", config.vocabSize(), h, PAD_TOKEN_ID, rng);
        positions = new Embedding(emb + "position_embeddings", config.maxPositions(), h, -1, rng);
        types = !distil && config.typeVocabSize() > 0
                ? new Embedding(emb + "token_type_embeddings", config.typeVocabSize(), h, -1, rng) : null;
        embeddingNorm = new LayerNorm(emb + "LayerNorm", h, config.layerNormEps());
        layers = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            layers.add(distil ? distilLayer(prefix + "transformer.layer." + i + ".", i, rng)
                    : bertLayer(prefix + "encoder.layer." + i + ".", i, rng));
        }
        List<Parameter> all = new ArrayList<>(words.parameters());
        all.addAll(positions.parameters());
        if (types != null) {
            all.addAll(types.parameters());
        }
        all.addAll(embeddingNorm.parameters());
        for (EncoderLayer layer : layers) {
            all.addAll(layer.parameters());
        }
        parameters = List.copyOf(all);
    }

    /** A randomly initialised encoder with bare HF names ({@code embeddings.*}, {@code encoder.layer.*}). */
    public static Encoder create(EncoderConfig config, long seed) {
        return new Encoder(config, new SplittableRandom(seed), "");
    }

    private EncoderLayer bertLayer(String p, int index, SplittableRandom rng) {
        int h = config.hiddenSize();
        int inner = config.attentionWidth(index); // below hidden when heads were pruned
        SelfAttention attention = new SelfAttention(
                new Linear(p + "attention.self.query", h, inner, rng),
                new Linear(p + "attention.self.key", h, inner, rng),
                new Linear(p + "attention.self.value", h, inner, rng),
                new Linear(p + "attention.output.dense", inner, h, rng),
                config.headsInLayer(index), config.attentionDropout());
        return new EncoderLayer(attention,
                new LayerNorm(p + "attention.output.LayerNorm", h, config.layerNormEps()),
                new Linear(p + "intermediate.dense", h, config.intermediateSize(), rng),
                new Linear(p + "output.dense", config.intermediateSize(), h, rng),
                new LayerNorm(p + "output.LayerNorm", h, config.layerNormEps()),
                config.hiddenDropout(), config.hiddenDropout());
    }

    private EncoderLayer distilLayer(String p, int index, SplittableRandom rng) {
        int h = config.hiddenSize();
        int inner = config.attentionWidth(index); // below hidden when heads were pruned
        SelfAttention attention = new SelfAttention(
                new Linear(p + "attention.q_lin", h, inner, rng),
                new Linear(p + "attention.k_lin", h, inner, rng),
                new Linear(p + "attention.v_lin", h, inner, rng),
                new Linear(p + "attention.out_lin", inner, h, rng),
                config.headsInLayer(index), config.attentionDropout());
        // DistilBERT's TransformerBlock has no dropout between attention and its LayerNorm.
        return new EncoderLayer(attention,
                new LayerNorm(p + "sa_layer_norm", h, config.layerNormEps()),
                new Linear(p + "ffn.lin1", h, config.intermediateSize(), rng),
                new Linear(p + "ffn.lin2", config.intermediateSize(), h, rng),
                new LayerNorm(p + "output_layer_norm", h, config.layerNormEps()),
                0f, config.hiddenDropout());
    }

    public EncoderConfig config() {
        return config;
    }

    /** All parameters in Hugging Face order, named as in a HF checkpoint. */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** Name → live parameter tensor (not copies), in HF order. */
    public Map<String, Tensor> weights() {
        return WeightBinder.export(parameters);
    }

    /**
     * Copies in every encoder tensor from a HF map, named with or without the {@code bert.} /
     * {@code distilbert.} prefix. Heads (a BERT pooler, a classifier, masked-LM heads) and
     * buffers such as {@code position_ids} are skipped and reported, so the encoder of any
     * checkpoint of the family loads; anything else unknown, missing or wrongly shaped throws.
     *
     * @throws WeightMismatchException listing every problem at once; the model is then unchanged
     */
    public LoadReport loadWeights(Map<String, Tensor> weights) {
        return WeightBinder.bind(config.family() + " encoder", parameters, weights, familyPrefix,
                name -> false, this::isHead);
    }

    private boolean isHead(String name) {
        String bare = name.startsWith(familyPrefix) ? name.substring(familyPrefix.length()) : name;
        return bare.startsWith("pooler.") || bare.startsWith("classifier.") || bare.startsWith("pre_classifier.")
                || bare.startsWith("cls.") || bare.startsWith("vocab_");
    }

    /**
     * A read-only, pre-packed snapshot of the current weights for fast inference; see
     * {@link FrozenEncoder} for when to freeze again.
     */
    public FrozenEncoder freeze() {
        List<FrozenEncoderLayer> frozen = new ArrayList<>(layers.size());
        for (EncoderLayer layer : layers) {
            frozen.add(layer.freeze());
        }
        return FrozenEncoder.fp32(config, words.weight().data().clone(), positions.weight().data().clone(),
                types != null ? types.weight().data().clone() : null,
                embeddingNorm.parameters().get(0).data().clone(), embeddingNorm.parameters().get(1).data().clone(),
                frozen);
    }

    /** HF {@code last_hidden_state} [batch, seq, hidden]. */
    public Tensor lastHiddenState(EncoderInput input) {
        return Tensor.of(hidden(input), input.batch(), input.seqLen(), config.hiddenSize());
    }

    /** The last hidden state flat, [batch·seq, hidden]; stateless. */
    public float[] hidden(EncoderInput input) {
        List<float[]> states = hiddenStates(input);
        return states.get(states.size() - 1);
    }

    /**
     * HF {@code hidden_states} in evaluation mode: the embedding output, then every layer's
     * output, each [batch·seq, hidden] ({@code numLayers + 1} arrays); stateless.
     */
    public List<float[]> hiddenStates(EncoderInput input) {
        int seq = input.seqLen();
        float[] maskAdd = SelfAttention.additiveMask(input.attentionMask());
        List<float[]> states = new ArrayList<>(layers.size() + 1);
        float[] x = embeddingNorm.forward(embed(input), input.batch() * seq);
        states.add(x);
        for (EncoderLayer layer : layers) {
            x = layer.forward(x, maskAdd, input.batch(), seq);
            states.add(x);
        }
        return states;
    }

    /** The mask-weighted mean of the last hidden state, [batch, hidden] (sentence-transformers pooling). */
    public float[] meanPooled(EncoderInput input) {
        return MeanPooling.forward(hidden(input), input, config.hiddenSize());
    }

    /**
     * The forward pass keeping what {@link #backward} needs; dropout is active when {@code rng} is
     * non-null (training mode) and off when it is null (evaluation mode, still differentiable).
     */
    public Trace forwardTrain(EncoderInput input, SplittableRandom rng) {
        int batch = input.batch();
        int seq = input.seqLen();
        float[] maskAdd = SelfAttention.additiveMask(input.attentionMask());
        LayerNorm.Trace norm = embeddingNorm.forwardTrain(embed(input), batch * seq);
        float[] dropMask = Dropout.mask(norm.y().length, config.hiddenDropout(), rng);
        float[] embedded = Dropout.applyCopy(norm.y(), dropMask);
        float[] x = embedded;
        List<EncoderLayer.Trace> traces = new ArrayList<>(layers.size());
        for (EncoderLayer layer : layers) {
            EncoderLayer.Trace t = layer.forwardTrain(x, maskAdd, batch, seq, rng);
            traces.add(t);
            x = t.y();
        }
        return new Trace(input, norm, dropMask, embedded, traces, x);
    }

    /** Adds every parameter's gradient given dLoss/dHidden [batch·seq, hidden]. */
    public void backward(Trace t, float[] dHidden) {
        backward(t, dHidden, null);
    }

    /**
     * As {@link #backward(Trace, float[])}, with extra gradients on intermediate hidden states
     * (hidden-state distillation): {@code dHiddenStates} follows {@link Trace#hiddenStates()},
     * null entries meaning none; {@code dHidden} may then be null.
     */
    public void backward(Trace t, float[] dHidden, List<float[]> dHiddenStates) {
        backward(t, dHidden, dHiddenStates, null);
    }

    /**
     * As {@link #backward(Trace, float[], List)}, plus gradients on each layer's attention
     * probabilities ({@code layers().get(i).attention().probs()}, [batch, heads, seq, seq]; null
     * entries or a null list for none), for attention distillation.
     */
    public void backward(Trace t, float[] dHidden, List<float[]> dHiddenStates, List<float[]> dAttentionProbs) {
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
