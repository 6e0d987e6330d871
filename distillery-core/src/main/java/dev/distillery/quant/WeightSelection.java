package dev.distillery.quant;

import java.util.List;

/**
 * Which weights of a classifier a quantization scheme packs. Post-training quantization and
 * quantization-aware training both ask here, so a student trained through fake quantization is
 * quantized afterwards into exactly the weights it was trained and validated with.
 *
 * <p>Every matrix of the encoder is packed (attention, feed-forward, word and position
 * embeddings) when the scheme accepts its shape; the head (BERT's pooler and classifier,
 * DistilBERT's pre-classifier and classifier) and the 2-row token-type table stay FP32: they are a
 * few kilobytes, and the head's errors land directly on the logits. Vectors (biases, LayerNorms)
 * are never packed.
 */
public final class WeightSelection {
    /** Name parts of matrices always left FP32: the head and the tiny token-type table. */
    public static final List<String> ALWAYS_FP32 = List.of("classifier.", "pooler.", "token_type_embeddings");

    private WeightSelection() {
    }

    /** True when {@code name} is one of the {@link #ALWAYS_FP32} matrices. */
    public static boolean alwaysFp32(String name) {
        return ALWAYS_FP32.stream().anyMatch(name::contains);
    }

    /** True when {@code scheme} packs the weight {@code name} of this shape unless the user skips it. */
    public static boolean packs(QuantScheme scheme, String name, int[] shape) {
        return shape.length == 2 && !alwaysFp32(name) && scheme.accepts(shape[0], shape[1]);
    }
}
