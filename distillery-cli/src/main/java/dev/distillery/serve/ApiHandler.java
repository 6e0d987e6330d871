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
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Routes {@code POST /v1/classify}, {@code GET /health} and {@code GET /metrics}; every refusal is an
 * {@link ApiException} answered as {@code {"error": "..."}} with its kind's status. Runs on a virtual
 * thread per request (blocking while the batcher works is cheap there).
 */
final class ApiHandler extends Handler.Abstract {
    static final String CLASSIFY = "/v1/classify";
    static final String HEALTH = "/health";
    static final String METRICS = "/metrics";
    private static final JsonFactory JSON = new JsonFactory();
    private static final System.Logger LOG = System.getLogger(ApiHandler.class.getName());

    private final MicroBatcher student;
    private final MicroBatcher teacher; // null without escalation
    private final double escalateBelow;
    private final ServerLimits limits;
    private final Metrics metrics;
    private final String studentName;
    private final String teacherName;

    ApiHandler(MicroBatcher student, String studentName, MicroBatcher teacher, String teacherName, double escalateBelow,
               ServerLimits limits, Metrics metrics) {
        this.student = student;
        this.studentName = studentName;
        this.teacher = teacher;
        this.teacherName = teacherName;
        this.escalateBelow = escalateBelow;
        this.limits = limits;
        this.metrics = metrics;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
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
            if (e.kind() == ErrorKind.METHOD_NOT_ALLOWED) {
                response.getHeaders().put(HttpHeader.ALLOW, path.equals(CLASSIFY) ? "POST" : "GET");
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
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }

    private static void requireMethod(Request request, String method) throws ApiException {
        if (!request.getMethod().equals(method)) {
            throw new ApiException(ErrorKind.METHOD_NOT_ALLOWED, Request.getPathInContext(request) + " accepts only "
                    + method + ", not " + abbreviate(request.getMethod()));
        }
    }

    private byte[] classify(Request request, long start) throws ApiException, IOException {
        checkContentType(request.getHeaders().get(HttpHeader.CONTENT_TYPE));
        List<String> inputs = ClassifyRequest.parse(readBody(request), limits).inputs();
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

    private byte[] readBody(Request request) throws ApiException {
        long declared = request.getLength();
        String tooLarge = "the body is larger than " + limits.maxBodyBytes() + " bytes, the limit";
        if (declared > limits.maxBodyBytes()) {
            throw new ApiException(ErrorKind.BODY_TOO_LARGE, tooLarge);
        }
        // a chunked body declares no length, so read one byte past the limit to know it was passed
        byte[] body;
        try (InputStream in = Content.Source.asInputStream(request)) {
            body = in.readNBytes(limits.maxBodyBytes() + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the request body failed", e);
        }
        if (body.length > limits.maxBodyBytes()) {
            throw new ApiException(ErrorKind.BODY_TOO_LARGE, tooLarge);
        }
        return body;
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
