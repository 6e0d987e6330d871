package dev.distillery.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The Hugging Face names (without {@code .weight} / {@code .bias}) of one layer's linear
 * projections, grouped as structured pruning cuts them, in any family: the rows of the attention
 * input projections and the columns of the attention output belong to heads; the rows of the
 * feed-forward input projections and the columns of its output projection are its neurons.
 *
 * @param stem          the prefix every tensor of the layer starts with, e.g. {@code bert.encoder.layer.3.}
 * @param headRows      Q, K, V, [heads·headSize, hidden] each
 * @param headColumns   the attention output, [hidden, heads·headSize]
 * @param neuronRows    the feed-forward input projections, [ffn, hidden] each (one in BERT, gate and up in Llama)
 * @param neuronColumns the feed-forward output projection, [hidden, ffn]
 */
public record LayerTensors(String stem, List<String> headRows, String headColumns, List<String> neuronRows,
                           String neuronColumns) {
    public LayerTensors {
        headRows = List.copyOf(headRows);
        neuronRows = List.copyOf(neuronRows);
    }

    /** Every projection: the head rows, the attention output, the neuron rows, the FFN output. */
    public List<String> all() {
        List<String> all = new ArrayList<>(headRows);
        all.add(headColumns);
        all.addAll(neuronRows);
        all.add(neuronColumns);
        return all;
    }
}
