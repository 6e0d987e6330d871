package dev.distillery.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.classify.Prediction;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** The batcher's bookkeeping with a fake model whose prediction is the text's length, so answers are traceable. */
class MicroBatcherTest {
    private static final List<String> LABELS = List.of("short", "long");
    private final List<List<String>> passes = new CopyOnWriteArrayList<>();
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    private List<Prediction> lengths(List<String> texts) {
        passes.add(texts);
        if (texts.contains("hold")) {
            entered.countDown();
            ClassificationServerTest.await(release);
        }
        if (texts.contains("boom")) {
            throw new IllegalStateException("broken on purpose");
        }
        return texts.stream().map(t -> new Prediction(t.length() > 4 ? 1 : 0, t.length() > 4 ? "long" : "short", LABELS,
                new float[] {t.length(), 0})).toList();
    }

    private static float answerOf(CompletableFuture<List<MicroBatcher.Answer>> f, int i) throws Exception {
        return f.get().get(i).prediction().probabilities()[0];
    }

    @Test
    void queuedRequestsJoinOnePassUpToTheBatchLimitAndEachGetsItsOwnAnswers() throws Exception {
        try (MicroBatcher batcher = new MicroBatcher("fake", this::lengths, 5, 0, 100, new Histogram(1, 2, 4, 8))) {
            var held = batcher.submit(List.of("hold"));
            entered.await();
            var a = batcher.submit(List.of("a", "bb"));
            var b = batcher.submit(List.of("ccc", "dddd"));
            var c = batcher.submit(List.of("eeeee", "ffffff"));
            assertEquals(7, batcher.inFlight());
            release.countDown();
            assertEquals(4, answerOf(held, 0));
            assertEquals(List.of(1f, 2f), List.of(answerOf(a, 0), answerOf(a, 1)));
            assertEquals(List.of(3f, 4f), List.of(answerOf(b, 0), answerOf(b, 1)));
            assertEquals(List.of(5f, 6f), List.of(answerOf(c, 0), answerOf(c, 1)));
            // a and b fill 4 of 5 places; c's two inputs do not fit and wait for the next pass
            assertEquals(List.of(List.of("hold"), List.of("a", "bb", "ccc", "dddd"), List.of("eeeee", "ffffff")), passes);
            assertEquals(0, batcher.inFlight());
        }
    }

    @Test
    void aFullQueueRefusesAndAFailedPassFailsOnlyItsRequests() throws Exception {
        try (MicroBatcher batcher = new MicroBatcher("fake", this::lengths, 1, 0, 3, new Histogram(1, 2))) {
            var held = batcher.submit(List.of("hold"));
            entered.await();
            var boom = batcher.submit(List.of("boom"));
            ApiException full = assertThrows(ApiException.class, () -> batcher.submit(List.of("x", "y")));
            assertEquals(ErrorKind.OVERLOADED, full.kind());
            var fits = batcher.submit(List.of("z"));
            release.countDown();
            assertEquals(4, answerOf(held, 0));
            ExecutionException e = assertThrows(ExecutionException.class, boom::get);
            assertTrue(e.getCause().getMessage().contains("broken on purpose"));
            assertEquals(1, answerOf(fits, 0), "the worker goes on after a failed pass");
        }
    }

    @Test
    void closeAnswersWhatIsQueuedAndRefusesMore() throws Exception {
        MicroBatcher batcher = new MicroBatcher("fake", this::lengths, 8, 0, 100, new Histogram(1, 2));
        var held = batcher.submit(List.of("hold"));
        entered.await();
        var queued = batcher.submit(List.of("queued"));
        Thread closer = Thread.ofVirtual().start(batcher::close);
        // close() returns only after the held pass and the queued request are answered
        release.countDown();
        closer.join();
        assertEquals(4, answerOf(held, 0));
        assertEquals(6, answerOf(queued, 0));
        ApiException after = assertThrows(ApiException.class, () -> batcher.submit(List.of("late")));
        assertEquals(ErrorKind.SHUTTING_DOWN, after.kind());
    }
}
