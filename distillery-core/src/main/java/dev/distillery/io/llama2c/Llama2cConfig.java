package dev.distillery.io.llama2c;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a llama2.c checkpoint (run.c's {@code Config}), with what llama2.c fixes in code:
 * RMSNorm epsilon 1e-5, RoPE theta 10000, SwiGLU, no biases.
 *
 * @param dim hidden size
 * @param hiddenDim feed-forward size
 * @param sharedClassifier whether the output layer is the token embedding (a positive vocab_size in the file)
 * @param seqLen maximum context length
 */
public record Llama2cConfig(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize, int seqLen,
                            boolean sharedClassifier) {
    public static final double RMS_NORM_EPS = 1e-5;
    public static final double ROPE_THETA = 10_000;

    public int headDim() {
        return dim / heads;
    }

    public int kvDim() {
        return kvHeads * headDim();
    }

    /**
     * The same model described as a Hugging Face Llama config.json would describe it (keys and
     * values of transformers' LlamaConfig), so one config parser serves both.
     */
    public Map<String, Object> toHfConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architectures", List.of("LlamaForCausalLM"));
        c.put("model_type", "llama");
        c.put("hidden_size", dim);
        c.put("intermediate_size", hiddenDim);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        c.put("head_dim", headDim());
        c.put("vocab_size", vocabSize);
        c.put("max_position_embeddings", seqLen);
        c.put("rms_norm_eps", RMS_NORM_EPS);
        c.put("rope_theta", ROPE_THETA);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", sharedClassifier);
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        c.put("torch_dtype", "float32");
        return c;
    }
}
