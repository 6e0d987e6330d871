package dev.distillery.serve;

import dev.distillery.classify.Classifier;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.net.URI;
import java.util.concurrent.Executors;

/**
 * The classification server on Jetty 12: a student model behind a micro-batcher, optionally a teacher
 * behind another for the inputs the student is unsure of.
 *
 * <p>Life cycle: {@link #start} binds and returns once the port is open; {@link #close} stops
 * accepting connections, lets in-flight requests finish (up to {@link ServeOptions#drainMillis()}),
 * then stops the batchers. Requests that arrive while it drains get 503.
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

    private ClassificationServer(Server server, ServerConnector connector, MicroBatcher student, MicroBatcher teacher,
                                 Metrics metrics) {
        this.server = server;
        this.connector = connector;
        this.student = student;
        this.teacher = teacher;
        this.metrics = metrics;
    }

    /**
     * Serves {@code student}, escalating to {@code teacher} (may be null) below the options' threshold.
     *
     * @throws IllegalArgumentException when the teacher's labels are not the student's
     */
    public static ClassificationServer start(Classifier student, Classifier teacher, ServeOptions options)
            throws Exception {
        if (teacher != null && !teacher.labels().names().equals(student.labels().names())) {
            throw new IllegalArgumentException("the teacher's labels " + teacher.labels().names()
                    + " differ from the student's " + student.labels().names() + "; escalation needs the same labels");
        }
        return start(student::predictBatch, student.toString(), teacher == null ? null : teacher::predictBatch,
                teacher == null ? null : teacher.toString(), options);
    }

    /** As {@link #start(Classifier, Classifier, ServeOptions)} over bare predictors; the names appear in {@code /health}. */
    public static ClassificationServer start(Predictor student, String studentName, Predictor teacher, String teacherName,
                                             ServeOptions options) throws Exception {
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
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(options.host());
        connector.setPort(options.port());
        server.addConnector(connector);
        server.setHandler(new GracefulHandler(new ApiHandler(studentBatcher, studentName, teacherBatcher, teacherName,
                options.escalateBelow(), options.limits(), metrics)));
        server.setErrorHandler(new JsonErrorHandler(metrics));
        server.setStopTimeout(options.drainMillis());
        ClassificationServer serving = new ClassificationServer(server, connector, studentBatcher, teacherBatcher, metrics);
        try {
            server.start();
        } catch (Exception e) {
            serving.close();
            throw e;
        }
        return serving;
    }

    /** The bound port, the real one when the options asked for 0. */
    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http://host:port/}. */
    public URI uri() {
        String host = connector.getHost();
        if (host == null || host.isEmpty() || host.equals("0.0.0.0")) {
            host = "127.0.0.1";
        }
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + port() + "/");
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
