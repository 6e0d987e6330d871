package dev.distillery.onnx;

import dev.distillery.model.EncoderConfig;
import dev.distillery.model.bert.BertFamily;
import dev.distillery.tensor.Tensor;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * An encoder read from a foreign format: its configuration and its weights under canonical
 * Hugging Face BERT names without a model prefix ({@code embeddings.word_embeddings.weight},
 * {@code encoder.layer.0.attention.self.query.weight}, ...), linear weights in PyTorch's
 * [out, in] layout.
 */
public record ImportedEncoder(EncoderConfig config, Map<String, Tensor> weights) {
    public ImportedEncoder {
        weights = Collections.unmodifiableMap(new TreeMap<>(weights));
    }

    /** True when the file carried BERT's pooler ({@code pooler.dense.*}, tanh over the first token). */
    public boolean hasPooler() {
        return weights.containsKey(BertFamily.NAMES.bare(BertFamily.NAMES.headDense()) + ".weight");
    }
}
