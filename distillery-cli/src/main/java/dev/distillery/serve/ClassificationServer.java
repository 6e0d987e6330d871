package dev.distillery.serve;

import dev.distillery.classify.Classifier;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The classification server on Jetty 12: a student model behind a micro-batcher, optionally a teacher
 * behind another for the inputs the student is unsure of.
 *
 * <p>Life cycle: {@link #start} binds and returns once the port is open; {@link #close} stops
 * accepting connections, lets in-flight requests finish (up to {@link ServeOptions#drainMillis()}),
 * then stops the batchers. Requests that arrive while it drains get 503.
 *
 * <p>Exposure: it listens on loopback unless told otherwise, and refuses an address other machines can reach
 * unless {@link ServeSecurity} holds API keys or says {@code insecure}; TLS comes from a keystore. Limits
 * ({@link ServerLimits}) bound the request and response sizes, the queue of waiting inputs, the open connections,
 * and how long a connection may idle or take to send a request.
 * <pre>{@code
 * try (ClassificationServer s = ClassificationServer.start(student, null, ServeOptions.defaults(0))) {
 *     s.uri();   // http://127.0.0.1:41234/
 * }
 * }</pre>
 */
public final class ClassificationServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;
    private final MicroBatcher student;
    private final MicroBatcher teacher;
    private final Metrics metrics;
    private final boolean tls;
    private final ScheduledExecutorService sweeper;

    private ClassificationServer(Server server, ServerConnector connector, MicroBatcher student, MicroBatcher teacher,
                                 Metrics metrics, boolean tls, ScheduledExecutorService sweeper) {
        this.server = server;
        this.connector = connector;
        this.student = student;
        this.teacher = teacher;
        this.metrics = metrics;
        this.tls = tls;
        this.sweeper = sweeper;
    }

    /**
     * Serves {@code student}, escalating to {@code teacher} (may be null) below the options' threshold.
     *
     * @throws IllegalArgumentException when the teacher's labels are not the student's, or an answer to the most
     *                                  inputs a request may hold could be larger than the response limit
     * @throws UnsafeExposureException  when the address is reachable from other machines and there are neither API
     *                                  keys nor {@code insecure}
     */
    public static ClassificationServer start(Classifier student, Classifier teacher, ServeOptions options)
            throws Exception {
        if (teacher != null && !teacher.labels().names().equals(student.labels().names())) {
            throw new IllegalArgumentException("the teacher's labels " + teacher.labels().names()
                    + " differ from the student's " + student.labels().names() + "; escalation needs the same labels");
        }
        long answerBytes = maxAnswerBytes(student.labels().names(), options.limits().maxInputs());
        if (answerBytes > options.limits().maxResponseBytes()) {
            throw new IllegalArgumentException("an answer to " + options.limits().maxInputs() + " inputs over the labels "
                    + student.labels().names() + " may take " + answerBytes + " bytes, more than the response limit of "
                    + options.limits().maxResponseBytes() + "; lower the inputs per request or raise the response limit");
        }
        return start(student::predictBatch, student.toString(), teacher == null ? null : teacher::predictBatch,
                teacher == null ? null : teacher.toString(), options);
    }

    /**
     * The largest {@code /v1/classify} answer for {@code inputs} inputs: every result escalated (so it carries the
     * student's probabilities too), every label character escaped as {@code \\uXXXX}, every number at its longest.
     */
    static long maxAnswerBytes(List<String> labels, int inputs) {
        long label = 0;      // the longest label, quoted
        long probabilities = 2; // {"name": p, ...}
        for (String name : labels) {
            long quoted = 2 + 6L * name.getBytes(StandardCharsets.UTF_8).length;
            label = Math.max(label, quoted);
            probabilities += quoted + 1 + 25 + 1; // "name":p, where a double prints in at most 25 characters
        }
        long prediction = "\"label\":".length() + label + ",\"probabilities\":".length() + probabilities;
        long result = 2 + prediction + ",\"model\":\"student\"".length() + ",\"latency_ms\":".length() + 25
                + ",\"student\":{".length() + prediction + 1;
        return "{\"results\":[]}".length() + inputs * (result + 1);
    }

    /**
     * Refuses an address other machines can reach unless the options hold API keys or say {@code insecure}; called
     * by {@link #start}, and by a caller that wants to know before it loads its models.
     *
     * @throws UnsafeExposureException naming the address and the two ways to allow it
     * @throws UnknownHostException    when the host name does not resolve
     */
    public static void checkExposure(ServeOptions options) throws UnknownHostException {
        ServeSecurity security = options.security();
        if (!isLoopbackHost(options.host()) && security.apiKeys() == null && !security.insecure()) {
            throw new UnsafeExposureException("refusing to listen on " + options.host() + ", which other machines can"
                    + " reach, without API keys: give --api-key-file FILE (clients then send Authorization: Bearer KEY),"
                    + " or --insecure if an open server is meant");
        }
    }

    /** Whether {@code host} is a loopback address (127.0.0.0/8, ::1, "localhost"); "0.0.0.0" and "::" are not. */
    public static boolean isLoopbackHost(String host) throws UnknownHostException {
        for (InetAddress a : InetAddress.getAllByName(host)) {
            if (!a.isLoopbackAddress()) {
                return false;
            }
        }
        return true;
    }

    /** As {@link #start(Classifier, Classifier, ServeOptions)} over bare predictors; the names appear in {@code /health}. */
    public static ClassificationServer start(Predictor student, String studentName, Predictor teacher, String teacherName,
                                             ServeOptions options) throws Exception {
        checkExposure(options);
        ServeSecurity security = options.security();
        Metrics metrics = new Metrics();
        long waitNanos = options.maxWaitMicros() * 1_000;
        int queue = options.limits().maxQueuedInputs();
        MicroBatcher studentBatcher = new MicroBatcher("student", student, options.maxBatch(), waitNanos, queue,
                metrics.batchSizes("student"));
        MicroBatcher teacherBatcher = teacher == null ? null
                : new MicroBatcher("teacher", teacher, options.maxBatch(), waitNanos, queue, metrics.batchSizes("teacher"));

        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("distillery-http");
        // requests block on the batcher; on virtual threads that costs no platform thread
        threads.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("distillery-request-", 0).factory()));
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        ServerConnector connector;
        if (security.tls() == null) {
            connector = new ServerConnector(server, new HttpConnectionFactory(http));
        } else {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStorePath(security.tls().file().toAbsolutePath().toString());
            ssl.setKeyStoreType(security.tls().type());
            ssl.setKeyStorePassword(new String(security.tls().password()));
            connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
        }
        ServerLimits limits = options.limits();
        connector.setHost(options.host());
        connector.setPort(options.port());
        connector.setIdleTimeout(limits.idleTimeoutMillis());
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));
        SlowHeaderGuard guard = new SlowHeaderGuard(connector, limits.requestTimeoutMillis(), metrics);
        server.setHandler(new GracefulHandler(new ApiHandler(studentBatcher, studentName, teacherBatcher, teacherName,
                options.escalateBelow(), limits, metrics, security.apiKeys(), guard)));
        server.setErrorHandler(new JsonErrorHandler(metrics));
        server.setStopTimeout(options.drainMillis());
        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("distillery-slow-requests").daemon().factory());
        ClassificationServer serving = new ClassificationServer(server, connector, studentBatcher, teacherBatcher, metrics,
                security.tls() != null, sweeper);
        try {
            server.start();
        } catch (Exception e) {
            serving.close();
            throw e;
        }
        sweeper.scheduleWithFixedDelay(guard, guard.periodMillis(), guard.periodMillis(), TimeUnit.MILLISECONDS);
        return serving;
    }

    /** The bound port, the real one when the options asked for 0. */
    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http://host:port/}, or {@code https://} with TLS. */
    public URI uri() {
        String host = connector.getHost();
        if (host == null || host.isEmpty() || host.equals("0.0.0.0")) {
            host = "127.0.0.1";
        }
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create((tls ? "https://" : "http://") + host + ":" + port() + "/");
    }

    /** Inputs waiting for the student or in its forward pass now. */
    public int studentInFlight() {
        return student.inFlight();
    }

    public Metrics metrics() {
        return metrics;
    }

    /** Blocks until the server has stopped, e.g. after a shutdown hook called {@link #close}. */
    public void join() throws InterruptedException {
        server.join();
    }

    /** Stops accepting, waits for in-flight requests (up to the drain time), then stops the models' batchers. */
    @Override
    public void close() {
        sweeper.shutdownNow();
        try {
            server.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the HTTP server failed: " + e.getMessage(), e);
        } finally {
            student.close();
            if (teacher != null) {
                teacher.close();
            }
        }
    }
}
