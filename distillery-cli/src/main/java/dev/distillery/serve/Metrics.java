package dev.distillery.serve;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's counters and histograms, rendered in the Prometheus text exposition format (version 0.0.4)
 * for {@code GET /metrics}. Every metric name starts with {@code distillery_}.
 */
public final class Metrics {
    /** Request latency buckets in seconds: a warm student answers in milliseconds, an escalation in tens of them. */
    private static final double[] LATENCY_BOUNDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    private static final double[] BATCH_BOUNDS = {1, 2, 4, 8, 16, 32, 64, 128, 256};

    private final Map<String, LongAdder> requests = new ConcurrentSkipListMap<>(); // key: endpoint="..",code=".."
    private final Map<ErrorKind, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> inputs = new ConcurrentSkipListMap<>(); // key: model name
    private final LongAdder escalations = new LongAdder();
    private final Histogram latencySeconds = new Histogram(LATENCY_BOUNDS);
    private final Map<String, Histogram> batchSizes = new ConcurrentSkipListMap<>(); // key: model name

    void request(String endpoint, int status) {
        requests.computeIfAbsent("endpoint=\"" + endpoint + "\",code=\"" + status + "\"", k -> new LongAdder()).increment();
    }

    void error(ErrorKind kind) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    void answered(String model, int count) {
        inputs.computeIfAbsent(model, k -> new LongAdder()).add(count);
    }

    void escalated(int count) {
        escalations.add(count);
    }

    void classifyLatency(double seconds) {
        latencySeconds.observe(seconds);
    }

    Histogram batchSizes(String model) {
        return batchSizes.computeIfAbsent(model, k -> new Histogram(BATCH_BOUNDS));
    }

    long errorCount(ErrorKind kind) {
        LongAdder n = errors.get(kind);
        return n == null ? 0 : n.sum();
    }

    public String render() {
        StringBuilder out = new StringBuilder(4096);
        out.append("# HELP distillery_http_requests_total HTTP requests answered, by endpoint and status code.\n");
        out.append("# TYPE distillery_http_requests_total counter\n");
        requests.forEach((labels, n) -> out.append("distillery_http_requests_total{").append(labels).append("} ")
                .append(n.sum()).append('\n'));
        out.append("# HELP distillery_http_errors_total Requests refused or failed, by kind.\n");
        out.append("# TYPE distillery_http_errors_total counter\n");
        for (ErrorKind kind : ErrorKind.values()) {
            out.append("distillery_http_errors_total{kind=\"").append(kind.label()).append("\"} ")
                    .append(errorCount(kind)).append('\n');
        }
        out.append("# HELP distillery_classify_latency_seconds Time from receiving a classify request to sending its answer.\n");
        out.append("# TYPE distillery_classify_latency_seconds histogram\n");
        latencySeconds.render(out, "distillery_classify_latency_seconds", "");
        out.append("# HELP distillery_inputs_total Inputs classified, by the model whose answer was returned.\n");
        out.append("# TYPE distillery_inputs_total counter\n");
        inputs.forEach((model, n) -> out.append("distillery_inputs_total{model=\"").append(model).append("\"} ")
                .append(n.sum()).append('\n'));
        out.append("# HELP distillery_escalations_total Inputs the student was unsure of and the teacher decided.\n");
        out.append("# TYPE distillery_escalations_total counter\n");
        out.append("distillery_escalations_total ").append(escalations.sum()).append('\n');
        out.append("# HELP distillery_batch_size Inputs per forward pass of the micro-batcher, by model.\n");
        out.append("# TYPE distillery_batch_size histogram\n");
        batchSizes.forEach((model, h) -> h.render(out, "distillery_batch_size", "model=\"" + model + "\","));
        return out.toString();
    }
}
