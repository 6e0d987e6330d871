package dev.distillery.prune;

import dev.distillery.model.SequenceClassifier;
import dev.distillery.nn.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparsityTest {

    private static float[] data(SequenceClassifier m, String name) {
        for (Parameter p : m.parameters()) {
            if (p.name().equals(name)) {
                return p.data();
            }
        }
        throw new AssertionError(name);
    }

    private static long zeros(float[] d) {
        long z = 0;
        for (float v : d) {
            if (v == 0f) {
                z++;
            }
        }
        return z;
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.3, 0.5, 0.9})
    void perLayerSparsityIsExactInEveryMatrix(double sparsity) {
        SequenceClassifier m = TinyPruning.model(TinyPruning.config("bert"), 4);
        SparsityMasks masks = SparsityMasks.magnitude(m, sparsity, SparsityScope.LAYER);
        masks.apply(m);
        List<String> names = SparsityMasks.prunable(m.config());
        assertEquals(18, names.size());
        for (String n : names) {
            float[] d = data(m, n);
            assertEquals(Math.round(sparsity * d.length), zeros(d), n);
        }
    }

    @Test
    void globalSparsityIsExactOverallAndPrunesTheSmallestMagnitudes() {
        SequenceClassifier m = TinyPruning.model(TinyPruning.config("distilbert"), 6);
        List<String> names = SparsityMasks.prunable(m.config());
        // widen one matrix so a global threshold prunes it less than the others
        float[] widened = data(m, names.get(4));
        for (int i = 0; i < widened.length; i++) {
            widened[i] *= 10;
        }
        float maxKept = Float.POSITIVE_INFINITY;
        long total = 0;
        long pruned = 0;
        float largestPruned = 0;
        SequenceClassifier before = SequenceClassifier.create(m.config(), 0);
        before.loadWeights(m.weights());
        SparsityMasks.magnitude(m, 0.6, SparsityScope.GLOBAL).apply(m);
        for (String n : names) {
            float[] original = data(before, n);
            float[] after = data(m, n);
            for (int i = 0; i < after.length; i++) {
                if (after[i] == 0f) {
                    largestPruned = Math.max(largestPruned, Math.abs(original[i]));
                    pruned++;
                } else {
                    maxKept = Math.min(maxKept, Math.abs(after[i]));
                }
            }
            total += after.length;
        }
        assertEquals(Math.round(0.6 * total), pruned);
        assertTrue(largestPruned <= maxKept, largestPruned + " pruned but " + maxKept + " kept");
        assertTrue(zeros(data(m, names.get(4))) < 0.6 * data(m, names.get(4)).length, "the widened matrix kept more");
        assertEquals(0.6, SparsityMasks.measuredSparsity(m), 1.0 / total);
    }

    @Test
    void embeddingsNormsBiasesAndHeadAreNeverPruned() {
        SequenceClassifier m = TinyPruning.model(TinyPruning.config("bert"), 9);
        SparsityMasks.magnitude(m, 0.9, SparsityScope.GLOBAL).apply(m);
        for (Parameter p : m.parameters()) {
            if (!SparsityMasks.prunable(m.config()).contains(p.name())) {
                assertEquals(0, zeros(p.data()), p.name());
            }
        }
    }

    @Test
    void cubicScheduleFollowsZhuAndGupta() {
        CubicSparsitySchedule s = new CubicSparsitySchedule(0.1, 0.9, 10, 30, 5);
        assertEquals(0.1, s.at(0));
        assertEquals(0.1, s.at(10));
        // halfway the remaining fraction is (1/2)³: 0.9 − 0.8 / 8
        assertEquals(0.9 - 0.8 / 8, s.at(20), 1e-12);
        assertEquals(0.9, s.at(30));
        assertEquals(0.9, s.at(1000));
        assertTrue(s.updatesAt(15) && s.updatesAt(30) && !s.updatesAt(16) && !s.updatesAt(35));
        CubicSparsitySchedule oneShot = new CubicSparsitySchedule(0.5, 0.5, 0, 0, 1);
        assertEquals(0.5, oneShot.at(0));
        assertThrows(IllegalArgumentException.class, () -> new CubicSparsitySchedule(0.5, 0.4, 0, 1, 1));
    }

    @Test
    void hookKeepsPrunedWeightsZeroAndReachesTheTarget() {
        SequenceClassifier m = TinyPruning.model(TinyPruning.config("bert"), 12);
        SparsityHook hook = new SparsityHook(m, new CubicSparsitySchedule(0, 0.5, 0, 4, 2), SparsityScope.LAYER);
        assertEquals(0, SparsityMasks.measuredSparsity(m));
        String name = SparsityMasks.prunable(m.config()).get(0);
        for (long step = 1; step <= 4; step++) {
            // an optimizer step that moves every weight, pruned ones included
            for (Parameter p : m.parameters()) {
                float[] d = p.data();
                for (int i = 0; i < d.length; i++) {
                    d[i] += 1e-3f;
                }
            }
            hook.stepDone(step, 0, 0);
            if (step == 2) {
                assertEquals(Math.round(s(2) * data(m, name).length), zeros(data(m, name)));
            }
        }
        assertEquals(Math.round(0.5 * data(m, name).length), zeros(data(m, name)));
    }

    private static double s(long step) {
        return new CubicSparsitySchedule(0, 0.5, 0, 4, 2).at(step);
    }
}
