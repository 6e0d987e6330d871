package dev.distillery.nn;

import java.util.SplittableRandom;

/** Hugging Face's BERT initialisation: weights from N(0, std²), so a seed reproduces a model. */
public final class Init {
    /** {@code initializer_range} in every BERT-family config. */
    public static final float BERT_STD = 0.02f;

    private Init() {
    }

    public static void normal(float[] values, float std, SplittableRandom rng) {
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (rng.nextGaussian() * std);
        }
    }
}
