package dev.distillery.generate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Greedy, temperature and nucleus sampling: what each may pick, and that a seed repeats the draws. */
class SamplerTest {
    private static final float[] LOGITS = {1f, 3f, 3f, 2f, -1f};

    @Test
    void greedyTakesTheLargestLogitAndTheLowestIdOnTies() {
        assertEquals(1, Sampler.greedy().sample(LOGITS, 0, 5));
        assertEquals(2, Sampler.greedy().sample(new float[] {9f, 0f, 5f, 7f}, 1, 3), "an offset into the row");
    }

    @Test
    void seededDrawsRepeatAndFollowTheDistribution() {
        Sampler a = new Sampler(1f, 1f, 5);
        Sampler b = new Sampler(1f, 1f, 5);
        int[] counts = new int[5];
        for (int i = 0; i < 20_000; i++) {
            int x = a.sample(LOGITS, 0, 5);
            assertEquals(x, b.sample(LOGITS, 0, 5), "draw " + i);
            counts[x]++;
        }
        double z = Math.exp(1) + 2 * Math.exp(3) + Math.exp(2) + Math.exp(-1);
        for (int i = 0; i < 5; i++) {
            double p = Math.exp(LOGITS[i]) / z;
            // binomial: standard deviation √(n·p·(1−p)) ≤ 71 here; 5σ
            assertEquals(20_000 * p, counts[i], 5 * Math.sqrt(20_000 * p * (1 - p)) + 1, "token " + i);
        }
    }

    @Test
    void nucleusKeepsOnlyTheLikeliestTokens() {
        // softmax: tokens 1 and 2 hold 0.397 each, together 0.793; top-p 0.75 keeps exactly them
        Sampler s = new Sampler(1f, 0.75f, 3);
        for (int i = 0; i < 2_000; i++) {
            int x = s.sample(LOGITS, 0, 5);
            assertTrue(x == 1 || x == 2, "drew " + x);
        }
        assertThrows(IllegalArgumentException.class, () -> new Sampler(-0.5f, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1f, 0f, 0));
    }
}
