package dev.distillery.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.classify.Classifier;
import dev.distillery.classify.Prediction;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's limits under a misbehaving client: a full queue, a slow body, slow headers, an idle connection,
 * too many connections, and the largest answer. Waits here are generous bounds on behaviour, not timings.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServerLimitsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] ONE_INPUT = "{\"inputs\": [\"a.com\"]}".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    private static ClassificationServer serve(Predictor predictor, ServerLimits limits) throws Exception {
        return ClassificationServer.start(predictor, "fixed", null, null, ServeOptions.defaults(0).withLimits(limits));
    }

    private static String request(byte[] body) {
        return "POST " + ApiHandler.CLASSIFY + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
    }

    /** Everything the server sends until it closes the connection, or fails when it keeps it open for a minute. */
    private static String readUntilClosed(Socket socket) throws IOException {
        return readUntilClosed(socket, 60_000);
    }

    private static String readUntilClosed(Socket socket, int millis) throws IOException {
        socket.setSoTimeout(millis);
        return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    private static long errors(ClassificationServer s, ErrorKind kind) {
        return s.metrics().errorCount(kind);
    }

    @Test
    void aFullQueueAnswers503WithRetryAfter() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Predictor held = texts -> {
            entered.countDown();
            ClassificationServerTest.await(release);
            return ServerSecurityTest.fixed(texts);
        };
        // one input may wait: the first request holds the model, so the queue is full until it is released
        ServerLimits limits = new ServerLimits(2_000, 1, 50, 1);
        try (ClassificationServer s = serve(held, limits); HttpClient http = HttpClient.newHttpClient()) {
            HttpRequest post = HttpRequest.newBuilder(s.uri().resolve(ApiHandler.CLASSIFY))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(ONE_INPUT)).build();
            CompletableFuture<HttpResponse<String>> first = http.sendAsync(post, HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> refused;
            try {
                assertTrue(entered.await(60, TimeUnit.SECONDS));
                refused = http.send(post, HttpResponse.BodyHandlers.ofString());
            } finally {
                release.countDown(); // or closing the server would wait for the held model forever
            }
            assertEquals(503, refused.statusCode(), refused.body());
            assertEquals(ApiHandler.RETRY_AFTER_SECONDS, refused.headers().firstValue("Retry-After").orElse(""));
            assertTrue(refused.body().contains("too many inputs waiting"), refused.body());
            assertEquals(200, first.get(60, TimeUnit.SECONDS).statusCode());
            assertEquals(200, http.send(post, HttpResponse.BodyHandlers.ofString()).statusCode(), "served again once drained");
            assertEquals(1, errors(s, ErrorKind.OVERLOADED));
        }
    }

    @Test
    void aBodyThatDoesNotArriveInTimeIs408AndTheConnectionCloses() throws Exception {
        ServerLimits limits = ServerLimits.DEFAULTS.withTimeouts(30_000, 500);
        try (ClassificationServer s = serve(ServerSecurityTest::fixed, limits); Socket socket = new Socket("127.0.0.1", s.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(request(ONE_INPUT).getBytes(StandardCharsets.US_ASCII));
            out.write(ONE_INPUT, 0, 5); // and never the rest
            out.flush();
            String answer = readUntilClosed(socket);
            assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
            assertTrue(answer.contains("the body did not arrive within 500 ms") && answer.contains("received 5 bytes"), answer);
            assertEquals(1, errors(s, ErrorKind.REQUEST_TIMEOUT));
        }
    }

    @Test
    void headersTrickledSlowerThanTheTimeoutCloseTheConnection() throws Exception {
        // idle timeout far above the trickle interval: only the request timeout can close this connection
        ServerLimits limits = ServerLimits.DEFAULTS.withTimeouts(30_000, 400);
        try (ClassificationServer s = serve(ServerSecurityTest::fixed, limits); Socket socket = new Socket("127.0.0.1", s.port())) {
            socket.setSoTimeout(100);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            byte[] head = request(ONE_INPUT).getBytes(StandardCharsets.US_ASCII);
            boolean closed = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (int i = 0; !closed && System.nanoTime() < deadline; i = (i + 1) % (head.length - 4)) {
                try {
                    out.write(head[i]); // never the blank line that ends the headers
                    out.flush();
                    closed = in.read() < 0;
                } catch (SocketTimeoutException e) {
                    // nothing to read yet: keep trickling, one byte per 100 ms
                } catch (IOException e) {
                    closed = true; // the server reset the connection while we wrote
                }
            }
            assertTrue(closed, "the trickling connection is still open after a minute");
            assertEquals(1, errors(s, ErrorKind.SLOW_HEADERS));
            try (Socket fresh = new Socket("127.0.0.1", s.port())) {
                fresh.getOutputStream().write(request(ONE_INPUT).getBytes(StandardCharsets.US_ASCII));
                fresh.getOutputStream().write(ONE_INPUT);
                fresh.setSoTimeout(60_000);
                byte[] status = fresh.getInputStream().readNBytes(12);
                assertEquals("HTTP/1.1 200", new String(status, StandardCharsets.US_ASCII), "a prompt client is still served");
            }
        }
    }

    @Test
    void anIdleConnectionIsClosed() throws Exception {
        ServerLimits limits = ServerLimits.DEFAULTS.withTimeouts(300, 30_000);
        try (ClassificationServer s = serve(ServerSecurityTest::fixed, limits); Socket socket = new Socket("127.0.0.1", s.port())) {
            // well before Jetty's own default of 30 s
            assertEquals("", readUntilClosed(socket, 10_000));
        }
    }

    @Test
    void connectionsBeyondTheLimitWaitToBeAccepted() throws Exception {
        ServerLimits limits = ServerLimits.DEFAULTS.withMaxConnections(2).withTimeouts(5_000, 30_000);
        try (ClassificationServer s = serve(ServerSecurityTest::fixed, limits);
             Socket a = new Socket("127.0.0.1", s.port()); Socket b = new Socket("127.0.0.1", s.port());
             Socket c = new Socket("127.0.0.1", s.port())) {
            // a and b hold both connections (the kernel completes c's handshake, but the server does not accept it)
            c.getOutputStream().write(request(ONE_INPUT).getBytes(StandardCharsets.US_ASCII));
            c.getOutputStream().write(ONE_INPUT);
            c.setSoTimeout(1_000);
            assertThrows(SocketTimeoutException.class, () -> c.getInputStream().read(), "answered beyond the limit");
            a.close();
            c.setSoTimeout(60_000);
            byte[] status = c.getInputStream().readNBytes(12);
            assertEquals("HTTP/1.1 200", new String(status, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void noAnswerIsLargerThanTheBoundCheckedAtStart() throws Exception {
        List<String> labels = List.of("benign", "phishing \"\u0001\u00e9\u6f22", "x".repeat(40));
        float[] p = {1e-45f, 0.33333334f, -0.0f}; // numbers at their longest; the server does not check them
        Predictor long_ = texts -> Collections.nCopies(texts.size(), new Prediction(1, labels.get(1), labels, p));
        int inputs = 16;
        ServerLimits limits = new ServerLimits(1 << 20, inputs, 50, 64);
        // a teacher that answers everything: every result carries the student's probabilities too
        ServeOptions options = ServeOptions.defaults(0).withLimits(limits).withEscalateBelow(1.0);
        try (ClassificationServer s = ClassificationServer.start(long_, "s", long_, "t", options);
             HttpClient http = HttpClient.newHttpClient()) {
            List<String> texts = new ArrayList<>(Collections.nCopies(inputs, "a.com"));
            byte[] body = JSON.writeValueAsBytes(Map.of("inputs", texts));
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(s.uri().resolve(ApiHandler.CLASSIFY))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode());
            assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("\"model\":\"teacher\""));
            long bound = ClassificationServer.maxAnswerBytes(labels, inputs);
            assertTrue(r.body().length <= bound, r.body().length + " bytes, bound " + bound);
            assertTrue(r.body().length > bound / 8, "the bound is not absurdly loose: " + r.body().length + " of " + bound);
        }
    }

    @Test
    void aClassifierWhoseAnswersCouldPassTheResponseLimitIsRefusedAtStart() throws Exception {
        Classifier tiny = TinyServing.classifier(tmp, 3);
        ServerLimits limits = new ServerLimits(1 << 20, 256, 50, 1024).withMaxResponseBytes(10_000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassificationServer.start(tiny, null, ServeOptions.defaults(0).withLimits(limits)));
        assertTrue(e.getMessage().contains("an answer to 256 inputs") && e.getMessage().contains("response limit of 10000"),
                e.getMessage());
    }
}
