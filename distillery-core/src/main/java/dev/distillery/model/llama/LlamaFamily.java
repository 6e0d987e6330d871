package dev.distillery.model.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.ConfigFields;
import dev.distillery.model.LayerTensors;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamily;
import dev.distillery.model.ModuleSource;
import dev.distillery.nn.DecoderBlock;
import dev.distillery.nn.Embedding;
import dev.distillery.nn.Linear;
import dev.distillery.nn.RmsNorm;
import dev.distillery.nn.Rope;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Llama family of decoders (Touvron et al., "LLaMA", 2023; "Llama 2", 2023; Llama 3, 2024) as
 * Hugging Face's {@code LlamaForCausalLM}, with the variants that share its layout: SmolLM and
 * SmolLM2 ({@code model_type} "llama") and Qwen2 ({@code Qwen2ForCausalLM}, "qwen2": biases on q,
 * k and v). RMSNorm, rotary embeddings in the rotate-half layout with {@code rope_theta} and Llama 3
 * {@code rope_scaling}, grouped-query attention, SwiGLU, a causal mask, tied or separate output
 * embedding.
 */
public final class LlamaFamily implements ModelFamily {
    public static final LlamaFamily INSTANCE = new LlamaFamily();

    /** The one table of the family's tensor names. */
    public static final LlamaNames NAMES = new LlamaNames("model.", "embed_tokens", "layers.", "self_attn.q_proj",
            "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj",
            "mlp.down_proj", "input_layernorm", "post_attention_layernorm", "norm", "lm_head");

    private LlamaFamily() {
    }

    @Override
    public String name() {
        return "llama";
    }

    @Override
    public List<String> modelTypes() {
        return List.of("llama", "qwen2");
    }

    /**
     * {@code LlamaConfig} or {@code Qwen2Config} with their defaults. Refused: an activation other
     * than SiLU, rope scaling other than Llama 3's, and Qwen2's sliding-window attention.
     */
    @Override
    public LlamaConfig readConfig(ConfigFields f, List<String> labels, Map<Integer, List<Integer>> prunedHeads) {
        if (!prunedHeads.isEmpty()) {
            throw f.error("pruned_heads is set, but pruned heads of a decoder are not supported");
        }
        String type = f.string("model_type", "llama");
        boolean qwen = type.equals("qwen2");
        String act = f.string("hidden_act", "silu");
        if (!act.equals("silu")) {
            throw f.error("hidden_act is \"" + act + "\", but only \"silu\" (SwiGLU) is supported");
        }
        if (qwen && f.bool("use_sliding_window", false)) {
            throw f.error("use_sliding_window is true, but sliding-window attention is not supported");
        }
        int hidden = f.positiveInt("hidden_size", 4096);
        int heads = f.positiveInt("num_attention_heads", 32);
        int kvHeads = f.positiveInt("num_key_value_heads", heads);
        int headDim = f.positiveInt("head_dim", hidden / heads);
        boolean attentionBias = f.bool("attention_bias", false);
        List<Integer> eos = tokenIds(f, "eos_token_id", qwen ? List.of() : List.of(2));
        List<Integer> bos = tokenIds(f, "bos_token_id", qwen ? List.of() : List.of(1));
        try {
            return new LlamaConfig(type, f.positiveInt("vocab_size", qwen ? 151936 : 32000), hidden,
                    f.nonNegativeInt("num_hidden_layers", 32), heads, kvHeads, headDim,
                    f.positiveInt("intermediate_size", qwen ? 22016 : 11008),
                    f.positiveInt("max_position_embeddings", qwen ? 32768 : 2048), f.number("rms_norm_eps", 1e-6f),
                    f.positiveDouble("rope_theta", 10000), ropeScaling(f), f.bool("tie_word_embeddings", false),
                    qwen || attentionBias, !qwen && attentionBias, !qwen && f.bool("mlp_bias", false),
                    bos.isEmpty() ? -1 : bos.getFirst(), eos);
        } catch (IllegalArgumentException e) {
            throw f.error(e.getMessage());
        }
    }

    private static List<Integer> tokenIds(ConfigFields f, String field, List<Integer> fallback) {
        JsonNode n = f.node(field);
        if (n == null) {
            return f.has(field) ? List.of() : fallback;
        }
        List<Integer> ids = new ArrayList<>();
        for (JsonNode id : n.isArray() ? n : List.of(n)) {
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                throw f.error("field \"" + field + "\" must be a token id or a list of them, found " + n);
            }
            ids.add(id.intValue());
        }
        return ids;
    }

    /** Llama 3's {@code rope_scaling}; null for none or {@code "default"}; anything else is refused. */
    private static Rope.Llama3Scaling ropeScaling(ConfigFields f) {
        JsonNode s = f.node("rope_scaling");
        if (s == null) {
            return null;
        }
        if (!s.isObject()) {
            throw f.error("field \"rope_scaling\" must be an object, found " + s);
        }
        ConfigFields r = new ConfigFields((ObjectNode) s, f.file() + " rope_scaling");
        String type = r.string("rope_type", r.string("type", null));
        if ("default".equals(type)) {
            return null;
        }
        if (!"llama3".equals(type)) {
            throw f.error("rope_scaling of type \"" + type + "\" is not supported; expected \"llama3\" or none");
        }
        double low = r.positiveDouble("low_freq_factor", 1);
        double high = r.positiveDouble("high_freq_factor", 4);
        if (!(high > low)) {
            throw f.error("rope_scaling needs high_freq_factor above low_freq_factor, found " + high + " and " + low);
        }
        return new Rope.Llama3Scaling(r.positiveDouble("factor", 8), low, high,
                r.positiveInt("original_max_position_embeddings", 8192));
    }

    @Override
    public ObjectNode writeConfig(ModelConfig config, ObjectNode o) {
        LlamaConfig c = (LlamaConfig) config;
        boolean qwen = c.family().equals("qwen2");
        o.putArray("architectures").add(qwen ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
        o.put("attention_dropout", 0.0);
        if (!qwen) {
            o.put("attention_bias", c.qkvBias());
            o.put("head_dim", c.headDim());
            o.put("mlp_bias", c.mlpBias());
            o.put("pretraining_tp", 1);
        }
        if (c.bosTokenId() >= 0) {
            o.put("bos_token_id", c.bosTokenId());
        }
        if (c.eosTokenIds().size() == 1) {
            o.put("eos_token_id", c.eosTokenIds().getFirst());
        } else if (!c.eosTokenIds().isEmpty()) {
            c.eosTokenIds().forEach(o.putArray("eos_token_id")::add);
        }
        o.put("hidden_act", "silu");
        o.put("hidden_size", c.hiddenSize());
        o.put("initializer_range", 0.02);
        o.put("intermediate_size", c.intermediateSize());
        o.put("max_position_embeddings", c.maxPositions());
        o.put("model_type", c.family());
        o.put("num_attention_heads", c.numHeads());
        o.put("num_hidden_layers", c.numLayers());
        o.put("num_key_value_heads", c.numKvHeads());
        o.put("rms_norm_eps", Double.parseDouble(Float.toString(c.rmsNormEps())));
        o.put("rope_theta", c.ropeTheta());
        if (c.ropeScaling() == null) {
            o.putNull("rope_scaling");
        } else {
            ObjectNode s = o.putObject("rope_scaling");
            s.put("factor", c.ropeScaling().factor());
            s.put("high_freq_factor", c.ropeScaling().highFreqFactor());
            s.put("low_freq_factor", c.ropeScaling().lowFreqFactor());
            s.put("original_max_position_embeddings", c.ropeScaling().originalMaxPositions());
            s.put("rope_type", "llama3");
        }
        o.put("tie_word_embeddings", c.tieWordEmbeddings());
        if (qwen) {
            o.put("use_sliding_window", false);
        }
        o.put("use_cache", true);
        return o;
    }

    @Override
    public Map<String, int[]> tensorShapes(ModelConfig config) {
        return NAMES.shapes((LlamaConfig) config);
    }

    @Override
    public String canonicalName(ModelConfig config, String nameInFile) {
        return NAMES.canonical(nameInFile);
    }

    /** Older checkpoints store each layer's rotary {@code inv_freq}, a buffer recomputed from the config. */
    @Override
    public boolean isBuffer(String canonicalName) {
        return canonicalName.endsWith("rotary_emb.inv_freq");
    }

    @Override
    public String weightPrefix() {
        return NAMES.prefix();
    }

    @Override
    public LayerTensors layerTensors(ModelConfig config, int layer) {
        LlamaNames.Layer l = NAMES.layer(NAMES.prefix(), layer);
        return new LayerTensors(l.stem(), l.qkv(), l.output(), l.gateUp(), l.down());
    }

    /** The seven projections of every layer by PEFT's short names: q, k, v, o, gate, up, down. */
    @Override
    public Map<String, List<String>> adapterTargets(ModelConfig config) {
        Map<String, List<String>> roles = new java.util.LinkedHashMap<>();
        for (String role : List.of("q", "k", "v", "o", "gate", "up", "down")) {
            roles.put(role, new ArrayList<>());
        }
        for (int i = 0; i < config.numLayers(); i++) {
            LlamaNames.Layer l = NAMES.layer(NAMES.prefix(), i);
            List<String> stems = List.of(l.query(), l.key(), l.value(), l.output(), l.gate(), l.up(), l.down());
            int j = 0;
            for (List<String> list : roles.values()) {
                list.add(stems.get(j++));
            }
        }
        return roles;
    }

    /** Nothing: which matrices a decoder's quantization keeps is decided by the roles below. */
    @Override
    public String keptUnquantized(String canonicalName) {
        return null;
    }

    @Override
    public String tokenEmbedding(ModelConfig config) {
        return NAMES.embedding();
    }

    @Override
    public String outputLayer(ModelConfig config) {
        return ((LlamaConfig) config).tieWordEmbeddings() ? NAMES.embedding() : NAMES.lmHead();
    }

    @Override
    public int bosTokenId(ModelConfig config) {
        return ((LlamaConfig) config).bosTokenId();
    }

    @Override
    public List<Integer> eosTokenIds(ModelConfig config) {
        return ((LlamaConfig) config).eosTokenIds();
    }

    @Override
    public String tokenizerClass() {
        return "PreTrainedTokenizerFast";
    }

    @Override
    public String describe(ModelConfig config) {
        LlamaConfig c = (LlamaConfig) config;
        return (c.family().equals("qwen2") ? "Qwen2" : "Llama") + " decoder, " + c.numLayers() + " layers, hidden "
                + c.hiddenSize() + ", " + c.numHeads() + " heads sharing " + c.numKvHeads() + " key/value heads of "
                + c.headDim() + ", FFN " + c.intermediateSize() + " (SwiGLU), vocabulary " + c.vocabSize() + ", "
                + c.maxPositions() + " positions, rope theta " + c.ropeTheta()
                + (c.ropeScaling() != null ? " with Llama 3 scaling ×" + c.ropeScaling().factor() : "")
                + (c.tieWordEmbeddings() ? ", output tied to the embedding" : "")
                + (c.qkvBias() ? ", q/k/v biases" : "");
    }

    /** The decoder and its output layer, modules in Hugging Face's order under the family's names. */
    @Override
    public CausalLanguageModel causalLm(ModelConfig config, ModuleSource modules) {
        LlamaConfig c = (LlamaConfig) config;
        String p = NAMES.prefix();
        int h = c.hiddenSize();
        int f = c.intermediateSize();
        Rope rope = LlamaModel.rope(c);
        Embedding embed = modules.embedding(NAMES.embedding(), c.vocabSize(), h, -1);
        List<DecoderBlock> blocks = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            LlamaNames.Layer l = NAMES.layer(p, i);
            Linear qkv = modules.linear(l.qkv(), h, new int[] {c.qDim(), c.kvDim(), c.kvDim()}, c.qkvBias());
            Linear out = modules.linear(List.of(l.output()), c.qDim(), new int[] {h}, c.outputBias());
            Linear gateUp = modules.linear(l.gateUp(), h, new int[] {f, f}, c.mlpBias());
            Linear down = modules.linear(List.of(l.down()), f, new int[] {h}, c.mlpBias());
            RmsNorm inputNorm = modules.rmsNorm(l.inputNorm(), h, c.rmsNormEps());
            RmsNorm postNorm = modules.rmsNorm(l.postAttentionNorm(), h, c.rmsNormEps());
            blocks.add(new DecoderBlock(inputNorm, qkv, out, postNorm, gateUp, down, c.numHeads(), c.numKvHeads(), rope));
        }
        RmsNorm norm = modules.rmsNorm(NAMES.finalNorm(), h, c.rmsNormEps());
        LlamaModel model = new LlamaModel(c, embed, blocks, norm);
        Linear head;
        if (!c.tieWordEmbeddings()) {
            head = modules.linear(List.of(NAMES.lmHead()), h, new int[] {c.vocabSize()}, false);
        } else if (modules.trainable()) {
            head = Linear.sharing(embed.weight()); // one master, both uses add into its gradient
        } else {
            head = modules.linear(List.of(NAMES.embedding()), h, new int[] {c.vocabSize()}, false);
        }
        return new CausalLanguageModel(model, head, c.tieWordEmbeddings());
    }
}
