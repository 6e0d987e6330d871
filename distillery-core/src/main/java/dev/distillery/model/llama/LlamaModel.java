package dev.distillery.model.llama;

import dev.distillery.model.Backbone;
import dev.distillery.model.Decoder;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.LoadReport;
import dev.distillery.model.ModuleSource;
import dev.distillery.model.WeightBinder;
import dev.distillery.nn.Attention;
import dev.distillery.nn.DecoderBlock;
import dev.distillery.nn.DropoutSeed;
import dev.distillery.nn.Embedding;
import dev.distillery.nn.KvCache;
import dev.distillery.nn.Parameter;
import dev.distillery.nn.RmsNorm;
import dev.distillery.nn.Rope;
import dev.distillery.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The Llama-family decoder without its output layer, as Hugging Face's {@code LlamaModel} and
 * {@code Qwen2Model}: token embedding, {@code numLayers} pre-norm {@link DecoderBlock}s sharing one
 * rotary table, and a final RMSNorm. {@link #hidden} is the final norm's output, the input of the
 * causal-LM head.
 *
 * <p>Built by {@link LlamaFamily} from a {@link ModuleSource}: trainable (FP32 masters) or frozen
 * (weights of any format). Inference keeps no state and reuses scratch memory per thread;
 * generation runs {@link #step} against a {@link KvCache}.
 */
public final class LlamaModel implements Decoder {
    private static final ThreadLocal<DecoderBlock.Workspace> WORKSPACE =
            ThreadLocal.withInitial(DecoderBlock.Workspace::new);

    private final LlamaConfig config;
    private final Embedding embed;
    private final List<DecoderBlock> layers;
    private final RmsNorm norm;
    private final List<Parameter> parameters;
    private volatile boolean checkpointing;

    /**
     * Everything backward needs: the embedding output, every block's trace, the last block's
     * output {@code last} with the final norm's statistics, and {@code hidden}, the normed output.
     * Under gradient checkpointing the block traces are null and {@code inputs} holds each block's
     * input and {@code seeds} its dropout seed, from which backward recomputes the trace.
     */
    public record Trace(EncoderInput input, float[] embedded, List<DecoderBlock.Trace> layers, float[] last,
                        float[] rstd, float[] hidden, float[] maskAdd, List<float[]> inputs,
                        List<DropoutSeed> seeds) implements Backbone.Trace {
        /** As {@code output_hidden_states}: the embeddings, every block's output, the last one after the final norm. */
        @Override
        public List<float[]> hiddenStates() {
            List<float[]> states = new ArrayList<>(layers.size() + 1);
            states.add(embedded);
            for (int i = 0; i < layers.size(); i++) {
                states.add(i == layers.size() - 1 ? hidden
                        : layers.get(i) != null ? layers.get(i).y() : inputs.get(i + 1));
            }
            if (layers.isEmpty()) {
                states.set(0, hidden);
            }
            return states;
        }

        /** Each block's attention probabilities; not available under gradient checkpointing. */
        @Override
        public List<float[]> attentionProbs() {
            if (inputs != null) {
                throw new IllegalStateException("attention probabilities are not kept under gradient checkpointing");
            }
            return layers.stream().map(DecoderBlock.Trace::probs).toList();
        }
    }

    LlamaModel(LlamaConfig config, Embedding embed, List<DecoderBlock> layers, RmsNorm norm) {
        this.config = config;
        this.embed = embed;
        this.layers = List.copyOf(layers);
        this.norm = norm;
        List<Parameter> all = new ArrayList<>(embed.parameters());
        for (DecoderBlock b : layers) {
            all.addAll(b.parameters());
        }
        all.addAll(norm.parameters());
        this.parameters = List.copyOf(all);
    }

    /** The blocks' shared rotary table for {@code config}. */
    static Rope rope(LlamaConfig config) {
        return new Rope(config.headDim(), config.ropeTheta(), config.ropeScaling(), config.maxPositions());
    }

    @Override
    public LlamaConfig config() {
        return config;
    }

    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    public Embedding embedding() {
        return embed;
    }

    @Override
    public LoadReport loadWeights(Map<String, Tensor> weights) {
        return WeightBinder.bind(config.family() + " decoder", parameters, weights,
                LlamaFamily.NAMES.prefix(), name -> false,
                name -> name.startsWith(LlamaFamily.NAMES.lmHead() + ".") || LlamaFamily.INSTANCE.isBuffer(name));
    }

    @Override
    public LlamaModel freeze() {
        List<DecoderBlock> frozen = new ArrayList<>(layers.size());
        for (DecoderBlock b : layers) {
            frozen.add(b.freeze());
        }
        return new LlamaModel(config, embed.freeze(), frozen, norm.freeze());
    }

    @Override
    public long bytes() {
        long sum = embed.bytes() + norm.bytes();
        for (DecoderBlock b : layers) {
            sum += b.bytes();
        }
        return sum;
    }

    @Override
    public long parameterCount() {
        long sum = (long) embed.count() * embed.dim() + norm.dim();
        for (DecoderBlock b : layers) {
            sum += b.parameterCount();
        }
        return sum;
    }

    @Override
    public float[] hidden(EncoderInput input) {
        return forward(input, false, null).hidden();
    }

    @Override
    public List<float[]> hiddenStates(EncoderInput input) {
        List<float[]> states = new ArrayList<>();
        forward(input, false, states);
        return states;
    }

    /**
     * The forward pass keeping what backward needs; the LoRA adapters' dropout draws from
     * {@code rng} (null: evaluation mode). Under {@link #gradientCheckpointing} only each block's
     * input is kept.
     */
    @Override
    public Trace forwardTrain(EncoderInput input, SplittableRandom rng) {
        return forward(input, true, null, rng);
    }

    /**
     * Gradient checkpointing (Chen et al., "Training Deep Nets with Sublinear Memory Cost", 2016),
     * as transformers' {@code gradient_checkpointing_enable()}: training passes keep only each
     * block's input and recompute the block's activations in backward, one block at a time, so
     * activation memory is one block's instead of every block's. The gradients are the same bits.
     */
    @Override
    public void gradientCheckpointing(boolean enabled) {
        this.checkpointing = enabled;
    }

    private Trace forward(EncoderInput input, boolean keep, List<float[]> states) {
        return forward(input, keep, states, null);
    }

    /** The one full-sequence pass: positions 0.., causal within each sequence, padded keys masked. */
    private Trace forward(EncoderInput input, boolean keep, List<float[]> states, SplittableRandom rng) {
        int batch = input.batch();
        int seq = input.seqLen();
        if (seq > config.maxPositions()) {
            throw new IllegalArgumentException("sequence length " + seq + " exceeds the model's " + config.maxPositions()
                    + " positions");
        }
        float[] maskAdd = allOnes(input.attentionMask()) ? null : Attention.additiveMask(input.attentionMask());
        float[] x = new float[batch * seq * config.hiddenSize()];
        embed.addTo(input.inputIds(), x);
        float[] embedded = keep ? x : null;
        if (states != null) {
            states.add(x.clone());
        }
        List<DecoderBlock.Trace> traces = keep ? new ArrayList<>() : null;
        boolean recompute = keep && checkpointing;
        List<float[]> inputs = recompute ? new ArrayList<>() : null;
        List<DropoutSeed> seeds = recompute ? new ArrayList<>() : null;
        DecoderBlock.Workspace ws = keep ? null : WORKSPACE.get();
        for (DecoderBlock block : layers) {
            // Drawn only for blocks whose adapters have dropout, so other models keep the generator's sequence.
            DropoutSeed seed = keep && block.drawsDropout() ? DropoutSeed.draw(rng) : null;
            DecoderBlock.Trace t = block.forward(x, batch, seq, 0, maskAdd, null, keep, ws, seed);
            if (recompute) {
                inputs.add(x);
                seeds.add(seed);
                traces.add(null);
                x = t.y(); // the rest of the trace is garbage now
            } else if (keep) {
                traces.add(t);
                x = t.y();
            }
            if (states != null) {
                states.add(x.clone());
            }
        }
        int tokens = batch * seq;
        float[] rstd = keep ? new float[tokens] : null;
        float[] hidden = new float[tokens * config.hiddenSize()];
        norm.forward(x, hidden, 0, tokens, rstd);
        if (states != null) {
            states.set(states.size() - 1, hidden.clone());
        }
        return new Trace(input, embedded, traces, x, rstd, hidden, maskAdd, inputs, seeds);
    }

    private static boolean allOnes(int[] mask) {
        for (int m : mask) {
            if (m == 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void backward(Backbone.Trace trace, float[] dHidden, List<float[]> dHiddenStates,
                         List<float[]> dAttentionProbs) {
        Trace t = (Trace) trace;
        int n = layers.size();
        int tokens = t.input().batch() * t.input().seqLen();
        float[] dNormed = dHidden != null ? dHidden.clone() : new float[t.hidden().length];
        if (dHiddenStates != null && dHiddenStates.get(n) != null) {
            add(dNormed, dHiddenStates.get(n)); // the last state is the normed one
        }
        float[] dx = norm.backward(t.last(), t.rstd(), dNormed, tokens);
        for (int i = n - 1; i >= 0; i--) {
            if (i < n - 1 && dHiddenStates != null && dHiddenStates.get(i + 1) != null) {
                add(dx, dHiddenStates.get(i + 1));
            }
            DecoderBlock.Trace block = t.layers().get(i);
            if (block == null) { // checkpointed: recompute this block's activations from its input
                block = layers.get(i).forward(t.inputs().get(i), t.input().batch(), t.input().seqLen(), 0, t.maskAdd(),
                        null, true, null, t.seeds().get(i));
            }
            dx = layers.get(i).backward(block, dx, dAttentionProbs == null ? null : dAttentionProbs.get(i));
        }
        if (n > 0 && dHiddenStates != null && dHiddenStates.get(0) != null) {
            add(dx, dHiddenStates.get(0));
        }
        embed.backward(t.input().inputIds(), dx);
    }

    private static void add(float[] acc, float[] x) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] += x[i];
        }
    }

    @Override
    public KvCache newCache(int batch, int capacity) {
        if (capacity > config.maxPositions()) {
            throw new IllegalArgumentException("a cache of " + capacity + " tokens exceeds the model's "
                    + config.maxPositions() + " positions");
        }
        return new KvCache(layers.size(), batch, capacity, config.kvDim());
    }

    @Override
    public float[] step(int[] ids, int batch, int seq, int firstPosition, KvCache cache) {
        float[] x = new float[batch * seq * config.hiddenSize()];
        embed.addTo(ids, x);
        DecoderBlock.Workspace ws = WORKSPACE.get();
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).forward(x, batch, seq, firstPosition, null, cache.layer(i), false, ws);
        }
        norm.forward(x, x, 0, batch * seq, null);
        return x;
    }
}
