package dev.distillery.quant;

/**
 * The NF4 data type of QLoRA (Dettmers et al., 2023, "QLoRA: Efficient Finetuning of Quantized
 * LLMs"): 16 values, quantiles of a standard normal scaled to [−1, 1] with an exact 0, exactly
 * as bitsandbytes' {@code get_4bit_type("nf4")} lists them (float32).
 */
public final class Nf4 {
    private static final float[] TABLE = {
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    };
    static final CodeBook CODES = new CodeBook(TABLE);

    private Nf4() {
    }

    /** The 16 values, index = code. {@code table()[7]} is 0. */
    public static float[] table() {
        return TABLE.clone();
    }

    public static float value(int code) {
        return TABLE[code];
    }

    /** The code of {@code normalized = w · (1 / absmax)}: nearest value, ties to the lower index. */
    public static int code(float normalized) {
        return CODES.code(normalized);
    }
}
