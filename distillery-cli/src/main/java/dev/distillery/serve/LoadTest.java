package dev.distillery.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop load generator for {@code POST /v1/classify}: {@code concurrency} virtual threads, each
 * with its own keep-alive connection in the JDK's HTTP client, send requests back to back until the
 * total is reached. A request counts as an error unless it gets 200 and one result per input.
 */
public final class LoadTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param requests          requests to send after the warm-up
     * @param concurrency       requests in flight at once (one connection each)
     * @param inputsPerRequest  texts per request, taken in turn from the text list
     * @param warmupRequests    sent first and not measured, so the server's JIT has compiled the model
     */
    public record Plan(int requests, int concurrency, int inputsPerRequest, int warmupRequests) {
        public Plan {
            if (requests < 1 || concurrency < 1 || inputsPerRequest < 1 || warmupRequests < 0) {
                throw new IllegalArgumentException("requests, concurrency and inputs per request must be positive: " + this);
            }
        }
    }

    /**
     * @param errorsByKind  failed requests by status code, or by exception class when no response came
     * @param escalated     results answered by the teacher
     */
    public record Result(int requests, int errors, Map<String, Integer> errorsByKind, long inputs, long escalated,
                         double seconds, double p50Millis, double p90Millis, double p99Millis, double maxMillis) {
        public double requestsPerSecond() {
            return requests / seconds;
        }

        public double inputsPerSecond() {
            return inputs / seconds;
        }

        public String summary() {
            return String.format(java.util.Locale.ROOT,
                    "%d requests (%d inputs) in %.2f s: %.1f requests/s, %.1f inputs/s; latency p50 %.2f ms, p90 %.2f ms, "
                            + "p99 %.2f ms, max %.2f ms; escalated %d of %d inputs (%.1f%%); errors %d%s",
                    requests, inputs, seconds, requestsPerSecond(), inputsPerSecond(), p50Millis, p90Millis, p99Millis,
                    maxMillis, escalated, inputs, 100.0 * escalated / Math.max(1, inputs), errors,
                    errorsByKind.isEmpty() ? "" : " " + errorsByKind);
        }
    }

    private LoadTest() {
    }

    /** Runs {@code plan} against the server at {@code base} ({@code http://host:port/}), cycling through {@code texts}. */
    public static Result run(URI base, List<String> texts, Plan plan) throws InterruptedException {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no texts to send");
        }
        URI classify = base.resolve(ApiHandler.CLASSIFY);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(threads)
                     .connectTimeout(Duration.ofSeconds(10)).build()) {
            Phase warmup = new Phase(plan.warmupRequests());
            warmup.run(client, classify, texts, plan);
            Phase measured = new Phase(plan.requests());
            long start = System.nanoTime();
            measured.run(client, classify, texts, plan);
            double seconds = (System.nanoTime() - start) / 1e9;
            long[] sorted = measured.latencyNanos.clone();
            Arrays.sort(sorted);
            return new Result(plan.requests(), measured.errors.get(), new TreeMap<>(measured.errorsByKind),
                    measured.inputs.get(), measured.escalated.get(), seconds, percentile(sorted, 0.50),
                    percentile(sorted, 0.90), percentile(sorted, 0.99), sorted[sorted.length - 1] / 1e6);
        }
    }

    /** Nearest-rank percentile in milliseconds. */
    static double percentile(long[] sortedNanos, double q) {
        int rank = (int) Math.ceil(q * sortedNanos.length);
        return sortedNanos[Math.max(0, rank - 1)] / 1e6;
    }

    private static final class Phase {
        final long[] latencyNanos; // [requests]
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        final Map<String, Integer> errorsByKind = new ConcurrentHashMap<>();
        final AtomicLong inputs = new AtomicLong();
        final AtomicLong escalated = new AtomicLong();

        Phase(int requests) {
            latencyNanos = new long[requests];
        }

        void run(HttpClient client, URI classify, List<String> texts, Plan plan) throws InterruptedException {
            if (latencyNanos.length == 0) {
                return;
            }
            try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int w = 0; w < plan.concurrency(); w++) {
                    workers.submit(() -> loop(client, classify, texts, plan));
                }
            }
        }

        private void loop(HttpClient client, URI classify, List<String> texts, Plan plan) {
            int i;
            while ((i = next.getAndIncrement()) < latencyNanos.length) {
                List<String> batch = new java.util.ArrayList<>(plan.inputsPerRequest());
                for (int k = 0; k < plan.inputsPerRequest(); k++) {
                    batch.add(texts.get((int) (((long) i * plan.inputsPerRequest() + k) % texts.size())));
                }
                long start = System.nanoTime();
                try {
                    byte[] body = JSON.writeValueAsBytes(Map.of("inputs", batch));
                    HttpRequest request = HttpRequest.newBuilder(classify).header("Content-Type", "application/json")
                            .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
                    HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                    latencyNanos[i] = System.nanoTime() - start;
                    check(response, batch.size());
                } catch (IOException | RuntimeException e) {
                    latencyNanos[i] = System.nanoTime() - start;
                    fail(e.getClass().getSimpleName());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        private void check(HttpResponse<byte[]> response, int sent) throws IOException {
            if (response.statusCode() != 200) {
                fail("HTTP " + response.statusCode());
                return;
            }
            JsonNode results = JSON.readTree(response.body()).path("results");
            if (!results.isArray() || results.size() != sent) {
                fail("wrong result count");
                return;
            }
            inputs.addAndGet(sent);
            for (JsonNode r : results) {
                if ("teacher".equals(r.path("model").asText())) {
                    escalated.incrementAndGet();
                }
            }
        }

        private void fail(String kind) {
            errors.incrementAndGet();
            errorsByKind.merge(kind, 1, Integer::sum);
        }
    }
}
