package dev.distillery.bench;

import dev.distillery.kernel.LinearWeight;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizedWeightSource;

import java.util.Locale;

/**
 * The weight formats {@code bench} times, each a {@link QuantScheme} quantized by its spec-exact
 * quantizer and multiplied by its low-bit kernel, or FP32.
 */
public enum BenchQuantizer {
    FP32(null), INT8_CHANNEL(QuantScheme.INT8_CHANNEL), Q8_0(QuantScheme.Q8_0), Q4_0(QuantScheme.Q4_0),
    NF4(QuantScheme.NF4), NF4_DQ(QuantScheme.NF4_DQ);

    private final QuantScheme scheme;

    BenchQuantizer(QuantScheme scheme) {
        this.scheme = scheme;
    }

    /** The scheme named on the command line: fp32, int8 (per channel), q8_0, q4_0, nf4, nf4-dq. */
    public static BenchQuantizer parse(String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "fp32" -> FP32;
            case "int8", "int8-channel" -> INT8_CHANNEL;
            case "q8_0" -> Q8_0;
            case "q4_0" -> Q4_0;
            case "nf4" -> NF4;
            case "nf4-dq" -> NF4_DQ;
            default -> throw new IllegalArgumentException("unknown scheme '" + name
                    + "'; expected fp32, int8, q8_0, q4_0, nf4 or nf4-dq");
        };
    }

    public String label() {
        return this == INT8_CHANNEL ? "int8" : this == FP32 ? "fp32" : scheme.id();
    }

    /** W [out, in] in this format. */
    public LinearWeight quantize(float[] w, int out, int in) {
        return scheme == null ? LinearWeight.fp32(w, out, in) : QuantizedWeightSource.blocked(scheme.quantize(w, out, in));
    }
}
