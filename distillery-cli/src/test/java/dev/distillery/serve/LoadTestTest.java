package dev.distillery.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.classify.Classifier;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadTestTest {
    @TempDir
    Path dir;

    @Test
    void everyRequestIsCountedAndAnswered() throws Exception {
        Classifier student = TinyServing.classifier(dir, 5);
        Classifier teacher = TinyServing.classifier(dir, 9);
        // a threshold of 1 escalates every input: no softmax of two finite logits reaches exactly 1
        ServeOptions options = ServeOptions.defaults(0).withEscalateBelow(1.0);
        try (ClassificationServer server = ClassificationServer.start(student, teacher, options)) {
            LoadTest.Result result = LoadTest.run(server.uri(), TinyServing.URLS, new LoadTest.Plan(150, 8, 2, 10));
            assertEquals(0, result.errors(), result.summary());
            assertEquals(150, result.requests());
            assertEquals(300, result.inputs());
            assertEquals(300, result.escalated(), result.summary());
            assertTrue(result.p50Millis() <= result.p99Millis() && result.p99Millis() <= result.maxMillis(), result.summary());
            // warm-up and measured requests both reach the server
            assertTrue(server.metrics().render().contains(
                    "\ndistillery_http_requests_total{endpoint=\"/v1/classify\",code=\"200\"} 160\n"));
        }
    }

    @Test
    void percentilesAreNearestRank() {
        long[] nanos = new long[100];
        for (int i = 0; i < nanos.length; i++) {
            nanos[i] = (i + 1) * 1_000_000L;
        }
        assertEquals(50.0, LoadTest.percentile(nanos, 0.50));
        assertEquals(99.0, LoadTest.percentile(nanos, 0.99));
        assertEquals(1.0, LoadTest.percentile(new long[] {1_000_000L}, 0.99));
    }
}
