package dev.distillery.model.llama;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Hugging Face tensor names of the Llama family ({@code LlamaForCausalLM.state_dict()},
 * {@code Qwen2ForCausalLM} alike): the only place they are written. Stems omit
 * {@code .weight}/{@code .bias}; a bare {@code LlamaModel} checkpoint drops {@link #prefix()}.
 *
 * @param prefix       the decoder's prefix, {@code "model."}
 * @param embed        the token embedding, relative to the prefix
 * @param layers       stem of layer i is {@code prefix + layers + i + "."}
 * @param norm         the final RMSNorm, relative to the prefix
 * @param lmHead       the output layer, canonical (top level); absent when tied to the embedding
 */
public record LlamaNames(String prefix, String embed, String layers, String query, String key, String value,
                         String output, String gate, String up, String down, String inputNorm,
                         String postAttentionNorm, String norm, String lmHead) {

    /** The full stems of one layer. */
    public record Layer(String stem, String query, String key, String value, String output, String gate, String up,
                        String down, String inputNorm, String postAttentionNorm) {
        public List<String> qkv() {
            return List.of(query, key, value);
        }

        public List<String> gateUp() {
            return List.of(gate, up);
        }
    }

    public Layer layer(String modelPrefix, int i) {
        String s = modelPrefix + layers + i + ".";
        return new Layer(s, s + query, s + key, s + value, s + output, s + gate, s + up, s + down, s + inputNorm,
                s + postAttentionNorm);
    }

    /** The token embedding's canonical stem. */
    public String embedding() {
        return prefix + embed;
    }

    /** The final norm's canonical stem. */
    public String finalNorm() {
        return prefix + norm;
    }

    /** Canonical names and shapes in {@code named_parameters()} order. */
    public Map<String, int[]> shapes(LlamaConfig c) {
        Map<String, int[]> m = new LinkedHashMap<>();
        int h = c.hiddenSize();
        int f = c.intermediateSize();
        m.put(embedding() + ".weight", new int[] {c.vocabSize(), h});
        for (int i = 0; i < c.numLayers(); i++) {
            Layer l = layer(prefix, i);
            linear(m, l.query(), c.qDim(), h, c.qkvBias());
            linear(m, l.key(), c.kvDim(), h, c.qkvBias());
            linear(m, l.value(), c.kvDim(), h, c.qkvBias());
            linear(m, l.output(), h, c.qDim(), c.outputBias());
            linear(m, l.gate(), f, h, c.mlpBias());
            linear(m, l.up(), f, h, c.mlpBias());
            linear(m, l.down(), h, f, c.mlpBias());
            m.put(l.inputNorm() + ".weight", new int[] {h});
            m.put(l.postAttentionNorm() + ".weight", new int[] {h});
        }
        m.put(finalNorm() + ".weight", new int[] {h});
        if (!c.tieWordEmbeddings()) {
            m.put(lmHead + ".weight", new int[] {c.vocabSize(), h});
        }
        return m;
    }

    private static void linear(Map<String, int[]> m, String name, int out, int in, boolean bias) {
        m.put(name + ".weight", new int[] {out, in});
        if (bias) {
            m.put(name + ".bias", new int[] {out});
        }
    }

    /**
     * Every canonical tensor of {@code c} and its name in a GGUF file, as llama.cpp's converter
     * writes it ({@code token_embd}, {@code blk.N.attn_q}, ..., {@code output_norm}, {@code output}).
     */
    public Map<String, String> ggufNames(LlamaConfig c) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String name : shapes(c).keySet()) {
            m.put(name, gguf(name));
        }
        return m;
    }

    private String gguf(String canonical) {
        int dot = canonical.lastIndexOf('.');
        String stem = canonical.substring(0, dot);
        String suffix = canonical.substring(dot);
        if (stem.equals(embedding())) {
            return "token_embd" + suffix;
        }
        if (stem.equals(finalNorm())) {
            return "output_norm" + suffix;
        }
        if (stem.equals(lmHead)) {
            return "output" + suffix;
        }
        String rest = stem.substring((prefix + layers).length());
        int layer = Integer.parseInt(rest.substring(0, rest.indexOf('.')));
        String part = rest.substring(rest.indexOf('.') + 1);
        String g = part.equals(query) ? "attn_q" : part.equals(key) ? "attn_k" : part.equals(value) ? "attn_v"
                : part.equals(output) ? "attn_output" : part.equals(gate) ? "ffn_gate" : part.equals(up) ? "ffn_up"
                : part.equals(down) ? "ffn_down" : part.equals(inputNorm) ? "attn_norm"
                : part.equals(postAttentionNorm) ? "ffn_norm" : null;
        if (g == null) {
            throw new IllegalArgumentException("no GGUF name for " + canonical);
        }
        return "blk." + layer + "." + g + suffix;
    }

    /** A bare decoder name ({@code embed_tokens.weight}, {@code layers.0...}, {@code norm.weight}) gets the prefix. */
    public String canonical(String name) {
        if (name.startsWith(prefix) || name.startsWith(lmHead + ".")) {
            return name;
        }
        boolean decoder = name.startsWith(embed + ".") || name.startsWith(layers) || name.startsWith(norm + ".");
        return decoder ? prefix + name : name;
    }
}
