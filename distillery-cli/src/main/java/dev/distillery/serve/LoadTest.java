package dev.distillery.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
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
 *
 * <p>Given the server's process id (on Linux), it also reads the server's resident memory ({@code VmRSS} of
 * {@code /proc/PID/status}) after the warm-up and at the end, so a long run shows whether memory keeps growing.
 */
public final class LoadTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param requests          requests to send after the warm-up
     * @param concurrency       requests in flight at once (one connection each)
     * @param inputsPerRequest  texts per request, taken in turn from the text list
     * @param warmupRequests    sent first and not measured, so the server's JIT has compiled the model
     * @param authorization     the {@code Authorization} header to send (e.g. {@code Bearer KEY}), or null
     * @param serverPid         the server's process id, whose resident memory is read; 0 for none
     */
    public record Plan(int requests, int concurrency, int inputsPerRequest, int warmupRequests, String authorization,
                       long serverPid) {
        public Plan {
            if (requests < 1 || concurrency < 1 || inputsPerRequest < 1 || warmupRequests < 0 || serverPid < 0) {
                throw new IllegalArgumentException("requests, concurrency and inputs per request must be positive: " + this);
            }
        }

        /** No authorization, no memory readings. */
        public Plan(int requests, int concurrency, int inputsPerRequest, int warmupRequests) {
            this(requests, concurrency, inputsPerRequest, warmupRequests, null, 0);
        }
    }

    /**
     * @param errorsByKind  failed requests by status code, or by exception class when no response came
     * @param escalated     results answered by the teacher
     * @param rssAfterWarmupBytes the server's resident memory after the warm-up, or -1 when not read
     * @param rssAtEndBytes the server's resident memory after the last request, or -1 when not read
     */
    public record Result(int requests, int errors, Map<String, Integer> errorsByKind, long inputs, long escalated,
                         double seconds, double p50Millis, double p90Millis, double p99Millis, double maxMillis,
                         long rssAfterWarmupBytes, long rssAtEndBytes) {
        public double requestsPerSecond() {
            return requests / seconds;
        }

        public double inputsPerSecond() {
            return inputs / seconds;
        }

        /** Resident memory at the end over after the warm-up, minus one: 0.05 is 5 % growth; NaN when not read. */
        public double rssGrowth() {
            return rssAfterWarmupBytes > 0 && rssAtEndBytes > 0 ? (double) rssAtEndBytes / rssAfterWarmupBytes - 1 : Double.NaN;
        }

        public String summary() {
            return String.format(Locale.ROOT,
                    "%d requests (%d inputs) in %.2f s: %.1f requests/s, %.1f inputs/s; latency p50 %.2f ms, p90 %.2f ms, "
                            + "p99 %.2f ms, max %.2f ms; escalated %d of %d inputs (%.1f%%); errors %d%s%s",
                    requests, inputs, seconds, requestsPerSecond(), inputsPerSecond(), p50Millis, p90Millis, p99Millis,
                    maxMillis, escalated, inputs, 100.0 * escalated / Math.max(1, inputs), errors,
                    errorsByKind.isEmpty() ? "" : " " + errorsByKind,
                    rssAtEndBytes < 0 ? "" : String.format(Locale.ROOT,
                            "; server RSS %.1f MiB after warm-up, %.1f MiB at the end (%+.1f%%)", rssAfterWarmupBytes / 1048576.0,
                            rssAtEndBytes / 1048576.0, 100 * rssGrowth()));
        }

        /** Every figure, for a results file. */
        public ObjectNode toJson() {
            ObjectNode o = JSON.createObjectNode();
            o.put("requests", requests);
            o.put("inputs", inputs);
            o.put("errors", errors);
            o.putPOJO("errors_by_kind", errorsByKind);
            o.put("escalated_inputs", escalated);
            o.put("seconds", seconds);
            o.put("requests_per_second", requestsPerSecond());
            o.put("inputs_per_second", inputsPerSecond());
            o.put("latency_p50_ms", p50Millis);
            o.put("latency_p90_ms", p90Millis);
            o.put("latency_p99_ms", p99Millis);
            o.put("latency_max_ms", maxMillis);
            o.put("server_rss_after_warmup_bytes", rssAfterWarmupBytes);
            o.put("server_rss_at_end_bytes", rssAtEndBytes);
            return o;
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
            long rssAfterWarmup = rssBytes(plan.serverPid());
            Phase measured = new Phase(plan.requests());
            long start = System.nanoTime();
            measured.run(client, classify, texts, plan);
            double seconds = (System.nanoTime() - start) / 1e9;
            long rssAtEnd = rssBytes(plan.serverPid());
            long[] sorted = measured.latencyNanos.clone();
            Arrays.sort(sorted);
            return new Result(plan.requests(), measured.errors.get(), new TreeMap<>(measured.errorsByKind),
                    measured.inputs.get(), measured.escalated.get(), seconds, percentile(sorted, 0.50),
                    percentile(sorted, 0.90), percentile(sorted, 0.99), sorted[sorted.length - 1] / 1e6, rssAfterWarmup,
                    rssAtEnd);
        }
    }

    /** {@code VmRSS} of {@code /proc/PID/status} in bytes; -1 for pid 0, or where there is no such file. */
    static long rssBytes(long pid) {
        if (pid == 0) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).strip().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024; // the kernel reports kB
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
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
                    HttpRequest.Builder b = HttpRequest.newBuilder(classify).header("Content-Type", "application/json")
                            .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
                    if (plan.authorization() != null) {
                        b.header("Authorization", plan.authorization());
                    }
                    HttpRequest request = b.build();
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
