package dev.distillery.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: greedy (the largest logit, the lowest id on ties) at
 * temperature 0; otherwise a draw from softmax(logits / temperature), restricted when
 * {@code topP < 1} to the smallest set of most likely tokens whose probabilities sum to at least
 * topP (nucleus sampling: Holtzman et al., "The Curious Case of Neural Text Degeneration", 2020).
 * A seed makes the draws repeatable. Not thread-safe: one generation owns its sampler.
 */
public final class Sampler {
    private final float temperature;
    private final float topP;
    private final SplittableRandom rng;

    public Sampler(float temperature, float topP, long seed) {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be 0 (greedy) or positive, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        this.temperature = temperature;
        this.topP = topP;
        this.rng = new SplittableRandom(seed);
    }

    /** The greedy sampler. */
    public static Sampler greedy() {
        return new Sampler(0f, 1f, 0);
    }

    /** The next token for {@code logits[off .. off + vocab)}. */
    public int sample(float[] logits, int off, int vocab) {
        if (temperature == 0f) {
            int best = 0;
            for (int i = 1; i < vocab; i++) {
                if (logits[off + i] > logits[off + best]) {
                    best = i;
                }
            }
            return best;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double[] p = new double[vocab];
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            p[i] = Math.exp((logits[off + i] - max) / temperature);
            sum += p[i];
        }
        if (topP >= 1f) {
            double u = rng.nextDouble() * sum;
            double acc = 0;
            for (int i = 0; i < vocab; i++) {
                acc += p[i];
                if (u < acc) {
                    return i;
                }
            }
            return vocab - 1;
        }
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        double kept = 0;
        int n = 0;
        while (n < vocab && kept < topP * sum) {
            kept += p[order[n++]];
        }
        double u = rng.nextDouble() * kept;
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += p[order[i]];
            if (u < acc) {
                return order[i];
            }
        }
        return order[n - 1];
    }
}
