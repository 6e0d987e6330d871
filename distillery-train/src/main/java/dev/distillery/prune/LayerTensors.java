package dev.distillery.prune;

import dev.distillery.model.EncoderConfig;

import java.util.List;

/**
 * The Hugging Face names (without {@code .weight} / {@code .bias}) of one encoder layer's linear
 * projections in a sequence classifier, for BERT and DistilBERT alike.
 *
 * @param attentionOut the projection that reads the heads' concatenated context, [hidden, heads·headSize]
 * @param intermediate the first feed-forward projection, [ffn, hidden]
 * @param output       the second feed-forward projection, [hidden, ffn]
 */
record LayerTensors(String query, String key, String value, String attentionOut, String intermediate, String output) {

    static LayerTensors of(EncoderConfig c, int layer) {
        if (c.isDistilBert()) {
            String p = "distilbert.transformer.layer." + layer + ".";
            return new LayerTensors(p + "attention.q_lin", p + "attention.k_lin", p + "attention.v_lin",
                    p + "attention.out_lin", p + "ffn.lin1", p + "ffn.lin2");
        }
        String p = "bert.encoder.layer." + layer + ".";
        return new LayerTensors(p + "attention.self.query", p + "attention.self.key", p + "attention.self.value",
                p + "attention.output.dense", p + "intermediate.dense", p + "output.dense");
    }

    /** The prefix every tensor of layer {@code layer} starts with, e.g. {@code bert.encoder.layer.3.}. */
    static String prefix(EncoderConfig c, int layer) {
        return (c.isDistilBert() ? "distilbert.transformer.layer." : "bert.encoder.layer.") + layer + ".";
    }

    /** All six projections, Q, K, V, attention output, intermediate, output. */
    List<String> all() {
        return List.of(query, key, value, attentionOut, intermediate, output);
    }
}
