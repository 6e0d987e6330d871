package dev.distillery.quant;

import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;

/**
 * Which weights of a model a quantization scheme packs. Post-training quantization and
 * quantization-aware training both ask here, so a student trained through fake quantization is
 * quantized afterwards into exactly the weights it was trained and validated with.
 *
 * <p>Every matrix is packed when the scheme accepts its shape, except those the model's family
 * keeps unquantized ({@link dev.distillery.model.ModelFamily#keptUnquantized}: an encoder's head
 * and token-type table). Vectors (biases, norms) are never packed.
 */
public final class WeightSelection {
    private WeightSelection() {
    }

    /** Why the family keeps {@code name} unquantized, or null when it may be packed. */
    public static String keptUnquantized(ModelConfig config, String name) {
        return ModelFamilies.of(config).keptUnquantized(name);
    }

    /** True when {@code scheme} packs the weight {@code name} of this shape unless the user skips it. */
    public static boolean packs(ModelConfig config, QuantScheme scheme, String name, int[] shape) {
        return shape.length == 2 && keptUnquantized(config, name) == null && scheme.accepts(shape[0], shape[1]);
    }
}
