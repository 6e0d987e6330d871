package dev.distillery.model;

import dev.distillery.nn.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The packed inference snapshot computes what the trainable encoder computes, and stays a snapshot. */
class FrozenEncoderTest {
    /**
     * The snapshot adds bias and residual before the product instead of after, fuses Q, K and V
     * and packs weights, so only summation order differs: a few ulps of values of order 1.
     */
    private static final double RTOL = 1e-5;
    private static final double ATOL = 1e-6;

    @ParameterizedTest
    @ValueSource(strings = {"bert", "distilbert"})
    void matchesTheTrainableEncoderOnPaddedBatches(String family) {
        Backbone encoder = SequenceClassifier.create(TinyModels.config(family, 0.1f), 5).backbone();
        Backbone frozen = encoder.freeze();
        for (EncoderInput in : List.of(TinyModels.sample(7), TinyModels.sample(13),
                TinyModels.batch(3, new int[] {2, 5, 3}))) {
            assertClose(encoder.hidden(in), frozen.hidden(in), RTOL, ATOL, family + " hidden, seq " + in.seqLen());
            assertClose(encoder.meanPooled(in), frozen.meanPooled(in), RTOL, ATOL, family + " mean pooling");
        }
    }

    @Test
    void laterWeightChangesDoNotReachTheSnapshot() {
        Backbone encoder = SequenceClassifier.create(TinyModels.config("bert", 0.1f), 6).backbone();
        EncoderInput in = TinyModels.sample(9);
        Backbone before = encoder.freeze();
        float[] expected = before.hidden(in);
        for (Parameter p : encoder.parameters()) {
            float[] w = p.data();
            for (int i = 0; i < w.length; i++) {
                w[i] *= 1.5f;
            }
        }
        assertArrayEquals(expected, before.hidden(in), "the old snapshot must keep the old weights");
        assertClose(encoder.hidden(in), encoder.freeze().hidden(in), RTOL, ATOL, "a new snapshot sees new weights");
    }

    @Test
    void threadsSharingASnapshotAgreeWithSequentialCalls() throws Exception {
        Backbone frozen = SequenceClassifier.create(TinyModels.config("bert", 0.1f), 7).backbone().freeze();
        // Sizes vary so each thread's workspace grows and is reused between calls.
        List<EncoderInput> inputs = List.of(TinyModels.sample(7), TinyModels.batch(3, new int[] {2, 5, 3}),
                TinyModels.sample(16));
        List<float[]> expected = new ArrayList<>();
        for (EncoderInput in : inputs) {
            expected.add(frozen.hidden(in));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (int round = 0; round < 20; round++) {
                for (EncoderInput in : inputs) {
                    futures.add(pool.submit(() -> frozen.hidden(in)));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                // Bit-identical: the same kernels on the same data, only threads and workspaces differ.
                assertArrayEquals(expected.get(i % inputs.size()), futures.get(i).get(), "call " + i);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void refusesIdsOutsideTheVocabulary() {
        Backbone frozen = SequenceClassifier.create(TinyModels.config("bert", 0.1f), 8).backbone().freeze();
        assertThrows(IllegalArgumentException.class, () -> frozen.hidden(TinyModels.batch(3, new int[] {2, 30, 3})));
    }
}
