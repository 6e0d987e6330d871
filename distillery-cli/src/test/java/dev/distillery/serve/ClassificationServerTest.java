package dev.distillery.serve;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.classify.Classifier;
import dev.distillery.classify.Prediction;
import dev.distillery.data.LabelMap;
import dev.distillery.data.TextTransform;
import dev.distillery.classify.TinyTeacher;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassificationServerTest {
    // BigDecimal keeps the printed float exact, so a probability read back is the float the server had
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final Pattern SAMPLE = Pattern.compile(
            "[a-z_]+(\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*})? (\\d+|\\d+\\.\\d+(E-?\\d+)?|\\+Inf)");

    @TempDir
    static Path dir;
    static Classifier student;
    static Classifier teacher;

    @BeforeAll
    static void models() throws Exception {
        student = TinyServing.classifier(dir, 5);
        teacher = TinyServing.classifier(dir, 9);
    }

    private static float[] probabilities(JsonNode result) {
        JsonNode p = result.path("probabilities");
        return new float[] {p.path("benign").decimalValue().floatValue(), p.path("phishing").decimalValue().floatValue()};
    }

    private static String request(List<String> inputs) throws Exception {
        return JSON.writeValueAsString(Map.of("inputs", inputs));
    }

    @Test
    void aRequestGetsTheClassifiersOwnPredictions() throws Exception {
        List<Prediction> expected = student.predictBatch(TinyServing.URLS);
        try (ClassificationServer server = ClassificationServer.start(student, null, ServeOptions.defaults(0));
             TinyServing.Client client = new TinyServing.Client(server.uri())) {
            TinyServing.Reply reply = client.post(request(TinyServing.URLS));
            assertEquals(200, reply.status(), reply.body());
            assertEquals("application/json", reply.contentType());
            JsonNode results = JSON.readTree(reply.body()).path("results");
            assertEquals(TinyServing.URLS.size(), results.size());
            for (int i = 0; i < results.size(); i++) {
                JsonNode r = results.get(i);
                // alone on the server, the request is exactly one predictBatch call of the same texts
                assertEquals(expected.get(i).label(), r.path("label").asText());
                assertEquals(List.of(expected.get(i).probabilities()[0], expected.get(i).probabilities()[1]),
                        List.of(probabilities(r)[0], probabilities(r)[1]), TinyServing.URLS.get(i));
                assertEquals("student", r.path("model").asText());
                assertTrue(r.path("latency_ms").isNumber() && r.path("latency_ms").doubleValue() >= 0, r.toString());
                assertFalse(r.has("student"), "only escalated results repeat the student's answer");
            }
        }
    }

    @Test
    void inputsTheStudentIsUnsureOfAreDecidedByTheTeacher() throws Exception {
        List<Prediction> fromStudent = student.predictBatch(TinyServing.URLS);
        List<Prediction> fromTeacher = teacher.predictBatch(TinyServing.URLS);
        // a threshold at the median top probability splits the inputs into escalated and not
        double[] tops = fromStudent.stream().mapToDouble(p -> p.probabilities()[p.labelIndex()]).sorted().toArray();
        double threshold = (tops[tops.length / 2 - 1] + tops[tops.length / 2]) / 2;
        assertTrue(tops[tops.length / 2 - 1] < tops[tops.length / 2], "the tiny student must give distinct confidences");
        ServeOptions options = ServeOptions.defaults(0).withEscalateBelow(threshold);
        int escalated = 0;
        try (ClassificationServer server = ClassificationServer.start(student, teacher, options);
             TinyServing.Client client = new TinyServing.Client(server.uri())) {
            TinyServing.Reply reply = client.post(request(TinyServing.URLS));
            assertEquals(200, reply.status(), reply.body());
            JsonNode results = JSON.readTree(reply.body()).path("results");
            for (int i = 0; i < results.size(); i++) {
                JsonNode r = results.get(i);
                Prediction s = fromStudent.get(i);
                boolean unsure = s.probabilities()[s.labelIndex()] < threshold;
                Prediction decider = unsure ? fromTeacher.get(i) : s;
                String what = TinyServing.URLS.get(i);
                assertEquals(unsure ? "teacher" : "student", r.path("model").asText(), what);
                assertEquals(decider.label(), r.path("label").asText(), what);
                // the teacher sees only the escalated texts, a smaller batch than the request: padding and
                // summation order may move the last bits, nothing more
                assertClose(decider.probabilities(), probabilities(r), 1e-5, 1e-6, what);
                assertEquals(unsure, r.has("student"), what);
                if (unsure) {
                    escalated++;
                    assertEquals(s.label(), r.path("student").path("label").asText(), what);
                    assertClose(s.probabilities(), probabilities(r.path("student")), 0, 0, what);
                }
            }
            assertEquals(TinyServing.URLS.size() / 2, escalated);
            String metrics = client.get(ApiHandler.METRICS).body();
            assertTrue(metrics.contains("\ndistillery_escalations_total " + escalated + "\n"), metrics);
            assertTrue(metrics.contains("\ndistillery_inputs_total{model=\"teacher\"} " + escalated + "\n"), metrics);
            assertTrue(metrics.contains("\ndistillery_batch_size_sum{model=\"teacher\"} " + escalated + "\n"), metrics);
        }
    }

    @Test
    void concurrentRequestsShareOneForwardPass() throws Exception {
        int requests = 24;
        CountDownLatch firstPassEntered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> passSizes = new CopyOnWriteArrayList<>();
        Predictor gated = texts -> {
            passSizes.add(texts.size());
            if (passSizes.size() == 1) {
                firstPassEntered.countDown();
                await(release);
            }
            return student.predictBatch(texts);
        };
        ServeOptions options = ServeOptions.defaults(0);
        try (ClassificationServer server = ClassificationServer.start(gated, "gated", null, null, options);
             TinyServing.Client client = new TinyServing.Client(server.uri());
             ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<TinyServing.Reply>> replies = new ArrayList<>();
            replies.add(senders.submit(() -> client.post(request(List.of(TinyServing.URLS.getFirst())))));
            firstPassEntered.await();
            for (int i = 1; i < requests; i++) {
                String text = TinyServing.URLS.get(i % TinyServing.URLS.size());
                replies.add(senders.submit(() -> client.post(request(List.of(text)))));
            }
            // while the first pass is held, every other request queues behind it
            while (server.studentInFlight() < requests) {
                Thread.sleep(5);
            }
            release.countDown();
            for (int i = 0; i < requests; i++) {
                TinyServing.Reply reply = replies.get(i).get();
                assertEquals(200, reply.status(), reply.body());
                JsonNode r = JSON.readTree(reply.body()).path("results").get(0);
                Prediction alone = student.predict(TinyServing.URLS.get(i % TinyServing.URLS.size()));
                assertEquals(alone.label(), r.path("label").asText());
                // batched with others, a text is padded further: the mask keeps the sums equal up to rounding
                assertClose(alone.probabilities(), probabilities(r), 1e-5, 1e-6, "request " + i);
            }
        }
        assertEquals(List.of(1, requests - 1), passSizes, "one pass held, then all waiting requests in one");
    }

    @Test
    void healthAndMetricsDescribeTheServer() throws Exception {
        try (ClassificationServer server = ClassificationServer.start(student, teacher, ServeOptions.defaults(0));
             TinyServing.Client client = new TinyServing.Client(server.uri())) {
            JsonNode health = JSON.readTree(client.get(ApiHandler.HEALTH).body());
            assertEquals("ok", health.path("status").asText());
            assertEquals(student.toString(), health.path("student").asText());
            assertEquals(0.8, health.path("escalate_below").doubleValue());
            for (int i = 0; i < 3; i++) {
                assertEquals(200, client.post(request(TinyServing.URLS.subList(0, 2))).status());
            }
            assertEquals(404, client.get("/v2/classify").status());
            TinyServing.Reply metrics = client.get(ApiHandler.METRICS);
            assertEquals(200, metrics.status());
            assertTrue(metrics.contentType().startsWith("text/plain; version=0.0.4"), metrics.contentType());
            String text = metrics.body();
            for (String line : text.split("\n")) {
                assertTrue(line.startsWith("# HELP distillery_") || line.startsWith("# TYPE distillery_")
                        || SAMPLE.matcher(line).matches(), "not a Prometheus sample: " + line);
            }
            assertTrue(text.contains("\ndistillery_http_requests_total{endpoint=\"/v1/classify\",code=\"200\"} 3\n"), text);
            assertTrue(text.contains("\ndistillery_http_requests_total{endpoint=\"/health\",code=\"200\"} 1\n"), text);
            assertTrue(text.contains("\ndistillery_http_errors_total{kind=\"not_found\"} 1\n"), text);
            assertTrue(text.contains("\ndistillery_classify_latency_seconds_count 3\n"), text);
            assertTrue(text.contains("\ndistillery_classify_latency_seconds_bucket{le=\"+Inf\"} 3\n"), text);
            long escalated = Long.parseLong(text.replaceAll("(?s).*\ndistillery_escalations_total (\\d+)\n.*", "$1"));
            long byStudent = Long.parseLong(text.replaceAll("(?s).*\ndistillery_inputs_total\\{model=\"student\"} (\\d+)\n.*", "$1"));
            assertEquals(6, escalated + byStudent, "every input is answered by one model");
            assertTrue(text.contains("\ndistillery_batch_size_sum{model=\"student\"} 6\n"), text);
        }
    }

    @Test
    void aTeacherWithOtherLabelsIsRefused() throws Exception {
        Classifier other = Classifier.forFineTuning(TinyTeacher.baseModel(dir.resolve("other")).toString(),
                LabelMap.of("good", "bad", "ugly"), TextTransform.URL_NORMALIZE, 24, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassificationServer.start(student, other, ServeOptions.defaults(0)));
        assertTrue(e.getMessage().contains("[good, bad, ugly]"), e.getMessage());
    }

    static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
