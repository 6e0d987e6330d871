package dev.distillery.model;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Inference keeps no state in the model, so threads sharing one model get single-threaded answers. */
class ConcurrentInferenceTest {

    @Test
    void threadsSharingAModelAgreeWithSequentialCalls() throws Exception {
        SequenceClassifier model = SequenceClassifier.create(TinyModels.config("bert", 0.1f), 4);
        List<EncoderInput> inputs = List.of(TinyModels.sample(7), TinyModels.sample(9),
                TinyModels.batch(4, new int[] {2, 9, 3}), TinyModels.batch(6, new int[] {2, 4, 4, 4, 4, 3}));
        List<float[]> expected = new ArrayList<>();
        for (EncoderInput in : inputs) {
            expected.add(model.logits(in));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (int round = 0; round < 25; round++) {
                for (EncoderInput in : inputs) {
                    futures.add(pool.submit(() -> model.logits(in)));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                // Bit-identical: the same kernels run on the same data, only the threads differ.
                assertArrayEquals(expected.get(i % inputs.size()), futures.get(i).get(), "call " + i);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
