package dev.distillery.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.classify.Classifier;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Garbage at the server: each request gets its status and a JSON error sentence, and the server keeps serving. */
class BadRequestsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    // small limits so the tests that pass them stay small
    private static final ServerLimits LIMITS = new ServerLimits(2_000, 4, 50, 64);

    @TempDir
    static Path dir;
    static ClassificationServer server;
    static TinyServing.Client client;

    @BeforeAll
    static void start() throws Exception {
        Classifier student = TinyServing.classifier(dir, 5);
        Predictor failsOnBoom = texts -> {
            if (texts.contains("boom")) {
                throw new IllegalStateException("the model broke on purpose");
            }
            return student.predictBatch(texts);
        };
        server = ClassificationServer.start(failsOnBoom, "tiny", null, null, ServeOptions.defaults(0).withLimits(LIMITS));
        client = new TinyServing.Client(server.uri());
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        server.close();
    }

    private static void assertRefused(int status, String phrase, TinyServing.Reply reply) throws Exception {
        assertEquals(status, reply.status(), reply.body());
        assertEquals("application/json", reply.contentType(), reply.body());
        JsonNode body = JSON.readTree(reply.body());
        assertEquals(1, body.size(), reply.body());
        assertTrue(body.path("error").asText().contains(phrase), reply.body());
        assertServerStillAnswers();
    }

    private static void assertServerStillAnswers() throws Exception {
        TinyServing.Reply ok = client.post("{\"inputs\": [\"http://docs.net/\"]}");
        assertEquals(200, ok.status(), ok.body());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void malformedJsonIs400() throws Exception {
        assertRefused(400, "malformed JSON", client.post("{\"inputs\": [\"a\""));
        assertRefused(400, "malformed JSON", client.post("{inputs: [\"a\"]}"));
        assertRefused(400, "malformed JSON", client.post("{\"inputs\": [\"a\",]}"));
        assertRefused(400, "malformed JSON", client.post("not json at all"));
        assertRefused(400, "Duplicate field", client.post("{\"inputs\": [\"a\"], \"inputs\": [\"b\"]}"));
        byte[] invalidUtf8 = {'{', '"', 'i', 'n', 'p', 'u', 't', 's', '"', ':', '[', '"', (byte) 0xff, (byte) 0xfe, '"', ']', '}'};
        assertRefused(400, "Invalid UTF-8", client.postBytes(invalidUtf8));
        byte[] truncatedUtf8 = bytes("{\"inputs\": [\"caf\u00e9\"]}");
        byte[] cut = java.util.Arrays.copyOf(truncatedUtf8, truncatedUtf8.length);
        cut[cut.length - 4] = 'x'; // the second byte of é becomes ASCII
        assertRefused(400, "UTF-8", client.postBytes(cut));
        assertRefused(400, "goes on after", client.post("{\"inputs\": [\"a\"]} {\"inputs\": [\"b\"]}"));
    }

    @Test
    void wrongShapesAndTypesAre400() throws Exception {
        assertRefused(400, "body is empty", client.post(""));
        assertRefused(400, "not a JSON object", client.post("[\"a\"]"));
        assertRefused(400, "not a JSON object", client.post("\"a\""));
        assertRefused(400, "not a JSON object", client.post("null"));
        assertRefused(400, "\"inputs\" is missing", client.post("{}"));
        assertRefused(400, "\"inputs\" is empty", client.post("{\"inputs\": []}"));
        assertRefused(400, "unknown field \"input\"", client.post("{\"input\": [\"a\"]}"));
        assertRefused(400, "\"inputs\" is a string", client.post("{\"inputs\": \"a\"}"));
        assertRefused(400, "\"inputs\" is null", client.post("{\"inputs\": null}"));
        assertRefused(400, "\"inputs\"[1] is null", client.post("{\"inputs\": [\"a\", null]}"));
        assertRefused(400, "\"inputs\"[0] is an array", client.post("{\"inputs\": [[\"a\"]]}"));
        assertRefused(400, "\"inputs\"[0] is an object", client.post("{\"inputs\": [{\"text\": \"a\"}]}"));
        assertRefused(400, "\"inputs\"[0] is a boolean", client.post("{\"inputs\": [true]}"));
        assertRefused(400, "\"inputs\"[0] is an array", client.post("{\"inputs\": " + "[".repeat(1_500) + "}"));
    }

    @Test
    void hugeNumbersAre400() throws Exception {
        assertRefused(400, "is a number", client.post("{\"inputs\": [1e999999999]}"));
        assertRefused(400, "is a number", client.post("{\"inputs\": 123456789012345678901234567890}"));
        // past Jackson's 1000-digit limit the parser itself refuses the number
        assertRefused(400, "Number value length (1500) exceeds", client.post("{\"inputs\": [" + "9".repeat(1_500) + "]}"));
    }

    @Test
    void limitsAre413Or400() throws Exception {
        assertRefused(413, "larger than 2000 bytes", client.post("{\"inputs\": [\"" + "a".repeat(3_000) + "\"]}"));
        // a chunked body declares no length; the server must still stop at the limit
        InputStream chunked = new ByteArrayInputStream(bytes("{\"inputs\": [\"" + "a".repeat(3_000) + "\"]}"));
        assertRefused(413, "larger than 2000 bytes", client.send("POST", ApiHandler.CLASSIFY, "application/json",
                HttpRequest.BodyPublishers.ofInputStream(() -> chunked)));
        assertRefused(413, "more than 4 texts", client.post(JSON.writeValueAsString(Map.of("inputs",
                List.of("a", "b", "c", "d", "e")))));
        assertRefused(400, "\"inputs\"[1] has 51 characters; the limit is 50", client.post(JSON.writeValueAsString(
                Map.of("inputs", List.of("a", "b".repeat(51))))));
        // characters are code points: 50 emoji are 100 UTF-16 units and still within the limit
        TinyServing.Reply emoji = client.post(JSON.writeValueAsString(Map.of("inputs", List.of("\uD83D\uDE00".repeat(50)))));
        assertEquals(200, emoji.status(), emoji.body());
        TinyServing.Reply edge = client.post(JSON.writeValueAsString(Map.of("inputs", List.of("", "\u0000", "a", "b"))));
        assertEquals(200, edge.status(), edge.body());
        assertEquals(4, JSON.readTree(edge.body()).path("results").size());
    }

    @Test
    void wrongContentTypeIs415() throws Exception {
        String ok = "{\"inputs\": [\"a\"]}";
        assertRefused(415, "not text/plain", client.send("POST", ApiHandler.CLASSIFY, "text/plain",
                HttpRequest.BodyPublishers.ofString(ok)));
        assertRefused(415, "the request has none", client.send("POST", ApiHandler.CLASSIFY, null,
                HttpRequest.BodyPublishers.ofString(ok)));
        assertRefused(415, "must be UTF-8", client.send("POST", ApiHandler.CLASSIFY, "application/json; charset=latin1",
                HttpRequest.BodyPublishers.ofString(ok)));
        TinyServing.Reply withCharset = client.send("POST", ApiHandler.CLASSIFY, "Application/JSON; charset=\"UTF-8\"",
                HttpRequest.BodyPublishers.ofString(ok));
        assertEquals(200, withCharset.status(), withCharset.body());
    }

    @Test
    void unknownPathsAre404AndWrongMethods405() throws Exception {
        assertRefused(404, "no endpoint /v1/classify/", client.get("/v1/classify/"));
        assertRefused(404, "no endpoint /", client.get("/"));
        TinyServing.Reply get = client.get(ApiHandler.CLASSIFY);
        assertRefused(405, "accepts only POST", get);
        assertEquals("POST", get.allow());
        TinyServing.Reply post = client.send("POST", ApiHandler.HEALTH, "application/json", HttpRequest.BodyPublishers.ofString("{}"));
        assertRefused(405, "accepts only GET", post);
        assertEquals("GET", post.allow());
        assertRefused(405, "accepts only GET", client.send("DELETE", ApiHandler.METRICS, null, HttpRequest.BodyPublishers.noBody()));
    }

    @Test
    void aFailingModelCostsOneRequest() throws Exception {
        long before = server.metrics().errorCount(ErrorKind.INTERNAL);
        assertRefused(500, "the model broke on purpose", client.post("{\"inputs\": [\"boom\"]}"));
        assertEquals(before + 1, server.metrics().errorCount(ErrorKind.INTERNAL));
    }

    @Test
    void garbageBelowHttpGetsAJsonError() throws Exception {
        long before = server.metrics().errorCount(ErrorKind.PROTOCOL);
        String reply = raw("GARBAGE\r\n\r\n");
        assertTrue(reply.startsWith("HTTP/1.1 400 "), reply);
        assertTrue(reply.contains("Content-Type: application/json"), reply);
        assertTrue(reply.contains("{\"error\":"), reply);
        String longHeader = raw("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "y".repeat(20_000) + "\r\n\r\n");
        assertTrue(longHeader.startsWith("HTTP/1.1 431 "), longHeader);
        assertEquals(before + 2, server.metrics().errorCount(ErrorKind.PROTOCOL));
        assertServerStillAnswers();
    }

    private static String raw(String request) throws IOException {
        try (Socket socket = new Socket(server.uri().getHost(), server.port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
