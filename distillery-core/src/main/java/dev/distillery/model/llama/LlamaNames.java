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

    /** A bare decoder name ({@code embed_tokens.weight}, {@code layers.0...}, {@code norm.weight}) gets the prefix. */
    public String canonical(String name) {
        if (name.startsWith(prefix) || name.startsWith(lmHead + ".")) {
            return name;
        }
        boolean decoder = name.startsWith(embed + ".") || name.startsWith(layers) || name.startsWith(norm + ".");
        return decoder ? prefix + name : name;
    }
}
