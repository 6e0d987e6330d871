package dev.distillery.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.classify.Classifier;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GracefulShutdownTest {
    @TempDir
    Path dir;

    @Test
    void aRequestInFlightFinishesBeforeTheServerStops() throws Exception {
        Classifier student = TinyServing.classifier(dir, 5);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Predictor held = texts -> {
            if (texts.contains("hold")) {
                entered.countDown();
                ClassificationServerTest.await(release);
            }
            return student.predictBatch(texts);
        };
        ClassificationServer server = ClassificationServer.start(held, "held", null, null, ServeOptions.defaults(0));
        String host = server.uri().getHost();
        int port = server.port();
        try (TinyServing.Client client = new TinyServing.Client(server.uri());
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<TinyServing.Reply> inFlight = threads.submit(() -> client.post("{\"inputs\": [\"hold\"]}"));
            entered.await();
            Future<?> closing = threads.submit(() -> {
                server.close();
                return null;
            });
            // the connector closes first; from then on nobody new gets in
            while (accepts(host, port)) {
                Thread.sleep(10);
            }
            assertFalse(closing.isDone(), "close() must wait for the request held in the model");
            release.countDown();
            TinyServing.Reply reply = inFlight.get();
            assertEquals(200, reply.status(), reply.body());
            JsonNode result = new ObjectMapper().readTree(reply.body()).path("results").get(0);
            assertEquals(student.predict("hold").label(), result.path("label").asText());
            closing.get();
        }
        assertThrows(ConnectException.class, () -> new Socket(host, port).close());
    }

    private static boolean accepts(String host, int port) throws IOException {
        try {
            new Socket(host, port).close();
            return true;
        } catch (ConnectException e) {
            return false;
        }
    }
}
