package dev.distillery.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.distillery.classify.Prediction;
import dev.distillery.serve.MicroBatcher.Answer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Routes {@code POST /v1/classify}, {@code GET /health} and {@code GET /metrics}; every refusal is an
 * {@link ApiException} answered as {@code {"error": "..."}} with its kind's status. Runs on a virtual
 * thread per request (blocking while the batcher works is cheap there).
 *
 * <p>With API keys, {@code /v1/classify} and {@code /metrics} answer 401 unless the request carries one, checked
 * before its body is read; {@code /health} stays open for load balancers and says only that the server is up.
 * The body must arrive within the request timeout (408 otherwise), and an overloaded model is 503 with
 * {@code Retry-After}.
 */
final class ApiHandler extends Handler.Abstract {
    static final String CLASSIFY = "/v1/classify";
    static final String HEALTH = "/health";
    static final String METRICS = "/metrics";
    private static final JsonFactory JSON = new JsonFactory();
    private static final System.Logger LOG = System.getLogger(ApiHandler.class.getName());

    /** Seconds a client told 503 should wait: a full queue drains in well under a second at measured rates. */
    static final String RETRY_AFTER_SECONDS = "1";

    private final MicroBatcher student;
    private final MicroBatcher teacher; // null without escalation
    private final double escalateBelow;
    private final ServerLimits limits;
    private final Metrics metrics;
    private final String studentName;
    private final String teacherName;
    private final ApiKeys apiKeys; // null: no authentication
    private final SlowHeaderGuard guard;

    ApiHandler(MicroBatcher student, String studentName, MicroBatcher teacher, String teacherName, double escalateBelow,
               ServerLimits limits, Metrics metrics, ApiKeys apiKeys, SlowHeaderGuard guard) {
        this.student = student;
        this.studentName = studentName;
        this.teacher = teacher;
        this.teacherName = teacherName;
        this.escalateBelow = escalateBelow;
        this.limits = limits;
        this.metrics = metrics;
        this.apiKeys = apiKeys;
        this.guard = guard;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        guard.requestStarted(request);
        String path = Request.getPathInContext(request);
        String endpoint = switch (path) {
            case CLASSIFY, HEALTH, METRICS -> path;
            default -> "other";
        };
        int status = 200;
        String contentType = "application/json";
        byte[] body;
        try {
            body = switch (path) {
                case CLASSIFY -> {
                    authenticate(request);
                    requireMethod(request, "POST");
                    byte[] answer = classify(request, start);
                    metrics.classifyLatency((System.nanoTime() - start) / 1e9);
                    yield answer;
                }
                case HEALTH -> {
                    requireMethod(request, "GET");
                    yield health();
                }
                case METRICS -> {
                    authenticate(request);
                    requireMethod(request, "GET");
                    contentType = "text/plain; version=0.0.4; charset=utf-8";
                    yield metrics.render().getBytes(StandardCharsets.UTF_8);
                }
                default -> throw new ApiException(ErrorKind.NOT_FOUND, "no endpoint " + abbreviate(path)
                        + "; the endpoints are POST " + CLASSIFY + ", GET " + HEALTH + " and GET " + METRICS);
            };
        } catch (ApiException e) {
            status = e.kind().status();
            metrics.error(e.kind());
            switch (e.kind()) {
                case METHOD_NOT_ALLOWED -> response.getHeaders().put(HttpHeader.ALLOW, path.equals(CLASSIFY) ? "POST" : "GET");
                case UNAUTHORIZED -> response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"distillery\"");
                default -> {
                }
            }
            switch (e.kind()) {
                case OVERLOADED -> response.getHeaders().put(HttpHeader.RETRY_AFTER, RETRY_AFTER_SECONDS);
                // the rest of the body is still on its way (or, refused before it was read, unread); closing is
                // cheaper than reading it, and says so, so a client never reuses a connection the server drops
                case REQUEST_TIMEOUT, BODY_TOO_LARGE, UNAUTHORIZED, METHOD_NOT_ALLOWED, NOT_FOUND ->
                        response.getHeaders().put(HttpHeader.CONNECTION, "close");
                default -> {
                }
            }
            body = error(e.getMessage());
        } catch (RuntimeException | IOException | Error e) {
            // a bug or a failed model must cost one request, never the server
            LOG.log(System.Logger.Level.WARNING, "request to " + abbreviate(path) + " failed", e);
            status = ErrorKind.INTERNAL.status();
            metrics.error(ErrorKind.INTERNAL);
            body = error("internal error: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
        metrics.request(endpoint, status);
        guard.requestAnswered(request);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }

    private void authenticate(Request request) throws ApiException {
        if (apiKeys != null && !apiKeys.accepts(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
            throw new ApiException(ErrorKind.UNAUTHORIZED, "this server needs an API key: send Authorization: Bearer KEY"
                    + " with a key from its --api-key-file");
        }
    }

    private static void requireMethod(Request request, String method) throws ApiException {
        if (!request.getMethod().equals(method)) {
            throw new ApiException(ErrorKind.METHOD_NOT_ALLOWED, Request.getPathInContext(request) + " accepts only "
                    + method + ", not " + abbreviate(request.getMethod()));
        }
    }

    private byte[] classify(Request request, long start) throws ApiException, IOException {
        checkContentType(request.getHeaders().get(HttpHeader.CONTENT_TYPE));
        List<String> inputs = ClassifyRequest.parse(readBody(request, start), limits).inputs();
        List<Answer> fromStudent = await(student.submit(inputs), "student");
        Answer[] answers = fromStudent.toArray(Answer[]::new);
        boolean[] escalated = new boolean[inputs.size()];
        if (teacher != null) {
            List<Integer> unsure = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                Prediction p = fromStudent.get(i).prediction();
                if (p.probabilities()[p.labelIndex()] < escalateBelow) {
                    unsure.add(i);
                }
            }
            if (!unsure.isEmpty()) {
                List<Answer> fromTeacher = await(teacher.submit(unsure.stream().map(inputs::get).toList()), "teacher");
                for (int k = 0; k < unsure.size(); k++) {
                    answers[unsure.get(k)] = fromTeacher.get(k);
                    escalated[unsure.get(k)] = true;
                }
                metrics.escalated(unsure.size());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + 160 * inputs.size());
        int byTeacher = 0;
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeArrayFieldStart("results");
            for (int i = 0; i < answers.length; i++) {
                json.writeStartObject();
                writePrediction(json, answers[i].prediction());
                json.writeStringField("model", escalated[i] ? "teacher" : "student");
                json.writeNumberField("latency_ms", Math.round((answers[i].readyNanos() - start) / 1e3) / 1e3);
                if (escalated[i]) {
                    byTeacher++;
                    json.writeObjectFieldStart("student");
                    writePrediction(json, fromStudent.get(i).prediction());
                    json.writeEndObject();
                }
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        metrics.answered("student", inputs.size() - byTeacher);
        if (byTeacher > 0) {
            metrics.answered("teacher", byTeacher);
        }
        return out.toByteArray();
    }

    private static void writePrediction(JsonGenerator json, Prediction p) throws IOException {
        json.writeStringField("label", p.label());
        json.writeObjectFieldStart("probabilities");
        for (int c = 0; c < p.labels().size(); c++) {
            json.writeNumberField(p.labels().get(c), p.probabilities()[c]);
        }
        json.writeEndObject();
    }

    private static List<Answer> await(CompletableFuture<List<Answer>> answers, String model) {
        try {
            return answers.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("the " + model + " model failed: " + cause, cause);
        }
    }

    /** JSON is UTF-8 (RFC 8259), so a charset parameter may only say so. */
    static void checkContentType(String header) throws ApiException {
        String expected = "Content-Type must be application/json";
        if (header == null) {
            throw new ApiException(ErrorKind.UNSUPPORTED_MEDIA_TYPE, expected + "; the request has none");
        }
        String[] parts = header.split(";");
        if (!parts[0].strip().equalsIgnoreCase("application/json")) {
            throw new ApiException(ErrorKind.UNSUPPORTED_MEDIA_TYPE, expected + ", not " + abbreviate(header));
        }
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            if (kv[0].strip().equalsIgnoreCase("charset") && (kv.length < 2
                    || !kv[1].strip().replace("\"", "").equalsIgnoreCase("utf-8"))) {
                throw new ApiException(ErrorKind.UNSUPPORTED_MEDIA_TYPE, "JSON must be UTF-8, not " + abbreviate(header));
            }
        }
    }

    /**
     * The whole body, read without blocking a thread on the network, within the request timeout counted from
     * {@code start}; a chunked body declares no length, so the limit is checked as it arrives.
     */
    private byte[] readBody(Request request, long start) throws ApiException {
        String tooLarge = "the body is larger than " + limits.maxBodyBytes() + " bytes, the limit";
        if (request.getLength() > limits.maxBodyBytes()) {
            throw new ApiException(ErrorKind.BODY_TOO_LARGE, tooLarge);
        }
        BodyReader reader = new BodyReader(request, limits.maxBodyBytes());
        reader.run();
        long left = start + limits.requestTimeoutMillis() * 1_000_000 - System.nanoTime();
        try {
            byte[] body = reader.body.get(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (body == null) {
                throw new ApiException(ErrorKind.BODY_TOO_LARGE, tooLarge);
            }
            return body;
        } catch (TimeoutException e) {
            throw new ApiException(ErrorKind.REQUEST_TIMEOUT, "the body did not arrive within "
                    + limits.requestTimeoutMillis() + " ms, the request timeout; received " + reader.received() + " bytes");
        } catch (ExecutionException e) {
            throw new UncheckedIOException("reading the request body failed",
                    e.getCause() instanceof IOException io ? io : new IOException(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorKind.SHUTTING_DOWN, "the server is shutting down");
        }
    }

    /**
     * Jetty's read-and-demand loop over the request content: completes {@link #body} with the bytes, with null once
     * they pass {@code max}, or exceptionally when the client goes away.
     */
    private static final class BodyReader implements Runnable {
        final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final Request request;
        private final int max;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private volatile int received;

        BodyReader(Request request, int max) {
            this.request = request;
            this.max = max;
        }

        int received() {
            return received;
        }

        @Override
        public void run() {
            while (!body.isDone()) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    body.completeExceptionally(chunk.getFailure());
                    return;
                }
                ByteBuffer data = chunk.getByteBuffer();
                int n = data.remaining();
                if (received + n > max) {
                    chunk.release();
                    body.complete(null);
                    return;
                }
                byte[] part = new byte[n];
                data.get(part);
                bytes.write(part, 0, n);
                received += n;
                boolean last = chunk.isLast();
                chunk.release();
                if (last) {
                    body.complete(bytes.toByteArray());
                }
            }
        }
    }

    private byte[] health() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("status", "ok");
            json.writeStringField("student", studentName);
            if (teacher != null) {
                json.writeStringField("teacher", teacherName);
                json.writeNumberField("escalate_below", escalateBelow);
            }
            json.writeEndObject();
        }
        return out.toByteArray();
    }

    static byte[] error(String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("error", message);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ApiHandler[%s%s]", studentName, teacher == null ? "" : " -> " + teacherName);
    }
}
