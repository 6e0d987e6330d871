package dev.distillery.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A headless Chromium driven over the Chrome DevTools Protocol (https://chromedevtools.github.io/devtools-protocol/)
 * with the JDK's WebSocket client, so the browser test needs no driver library. One page target is created
 * and attached in flat mode; commands wait for their reply, events are kept in arrival order.
 *
 * <p>Life cycle: {@link #start}, {@link #send} commands, {@link #close} (ends the browser and deletes its profile).
 */
final class HeadlessChromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TIMEOUT_SECONDS = 60;

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private String sessionId;

    private HeadlessChromium(Process process, Path profile, URI browserUrl) throws Exception {
        this.process = process;
        this.profile = profile;
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(browserUrl, new Listener())
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Starts {@code binary} on a fresh profile with an ephemeral DevTools port and opens a blank page. */
    static HeadlessChromium start(Path binary) throws Exception {
        Path profile = Files.createTempDirectory("distillery-chromium-");
        Process p = new ProcessBuilder(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<URI> url = new CompletableFuture<>();
        List<String> early = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    early.add(line);
                    int at = line.indexOf("DevTools listening on ");
                    if (at >= 0) {
                        url.complete(URI.create(line.substring(at + "DevTools listening on ".length()).strip()));
                    }
                }
            } catch (IOException e) {
                // the browser closed its end; whatever was read is in early
            }
            url.completeExceptionally(new IllegalStateException("chromium exited without a DevTools URL; stderr:\n"
                    + String.join("\n", early)));
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        HeadlessChromium c;
        try {
            c = new HeadlessChromium(p, profile, url.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        } catch (Exception e) {
            p.destroyForcibly();
            deleteTree(profile);
            throw e;
        }
        c.stderr.addAll(early);
        String target = c.sendBrowser("Target.createTarget", JSON.createObjectNode().put("url", "about:blank"))
                .get("targetId").asText();
        c.sessionId = c.sendBrowser("Target.attachToTarget", JSON.createObjectNode().put("targetId", target).put("flatten", true))
                .get("sessionId").asText();
        return c;
    }

    /** Sends a command to the page and returns its {@code result}; a protocol error is thrown. */
    JsonNode send(String method, ObjectNode params) throws Exception {
        return call(method, params, sessionId);
    }

    JsonNode send(String method) throws Exception {
        return send(method, JSON.createObjectNode());
    }

    private JsonNode sendBrowser(String method, ObjectNode params) throws Exception {
        return call(method, params, null);
    }

    private JsonNode call(String method, ObjectNode params, String session) throws Exception {
        int id = nextId.getAndIncrement();
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", params);
        if (session != null) {
            msg.put("sessionId", session);
        }
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        socket.sendText(JSON.writeValueAsString(msg), true).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        JsonNode r = reply.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (r.has("error")) {
            throw new IllegalStateException(method + " failed: " + r.get("error"));
        }
        return r.get("result");
    }

    /** Waits until an event named {@code method} has arrived. */
    JsonNode awaitEvent(String method) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            for (JsonNode e : events) {
                if (method.equals(e.path("method").asText())) {
                    return e;
                }
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no " + method + " event within " + TIMEOUT_SECONDS + " s");
    }

    /** Every event received so far, oldest first. */
    List<JsonNode> events() {
        return new ArrayList<>(events);
    }

    @Override
    public void close() throws Exception {
        try {
            socket.sendText(JSON.writeValueAsString(JSON.createObjectNode().put("id", nextId.getAndIncrement())
                    .put("method", "Browser.close")), true).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the browser may already be gone; it is killed below either way
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        deleteTree(profile);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // chromium may still be writing its profile as it exits; a leftover temp folder is harmless
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    JsonNode msg = JSON.readTree(text);
                    if (msg.has("id")) {
                        CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asInt());
                        if (f != null) {
                            f.complete(msg);
                        }
                    } else {
                        events.add(msg);
                    }
                } catch (IOException e) {
                    events.add(JSON.createObjectNode().put("method", "unparseable").put("text", text));
                }
            }
            ws.request(1);
            return null;
        }
    }
}
