package dev.distillery.serve;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.ServerConnector;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Closes connections whose client is slow to send a request's headers (slowloris): Jetty's idle timeout resets
 * with every byte, so a client sending one byte every few seconds would hold a connection for hours. A sweep
 * every quarter of the timeout (at most a second) looks at each connection that is not inside the handler: when
 * it has received bytes since its last answer, a request is under way, and once that has lasted longer than the
 * request timeout the connection is closed and counted as {@link ErrorKind#SLOW_HEADERS}. The body has its own
 * deadline in {@link ApiHandler}.
 */
final class SlowHeaderGuard implements Runnable {
    private static final class State {
        volatile boolean inHandler;
        volatile long bytesAtAnswer;
        volatile long pendingSinceNanos; // 0: no request under way
    }

    private final ServerConnector connector;
    private final long timeoutNanos;
    private final Metrics metrics;
    private final Map<Connection, State> states = new ConcurrentHashMap<>();

    SlowHeaderGuard(ServerConnector connector, long timeoutMillis, Metrics metrics) {
        this.connector = connector;
        this.timeoutNanos = timeoutMillis * 1_000_000;
        this.metrics = metrics;
    }

    /** How often {@link #run} should sweep: often enough to close a slow client within 1.25 timeouts. */
    long periodMillis() {
        return Math.max(1, Math.min(1_000, timeoutNanos / 4_000_000));
    }

    void requestStarted(Request request) {
        State s = state(request.getConnectionMetaData().getConnection());
        s.inHandler = true;
        s.pendingSinceNanos = 0;
    }

    void requestAnswered(Request request) {
        Connection c = request.getConnectionMetaData().getConnection();
        State s = state(c);
        s.bytesAtAnswer = c.getBytesIn();
        s.pendingSinceNanos = 0;
        s.inHandler = false;
    }

    @Override
    public void run() {
        long now = System.nanoTime();
        Set<Connection> open = new HashSet<>();
        for (EndPoint endPoint : connector.getConnectedEndPoints()) {
            Connection c = http(endPoint.getConnection());
            if (c == null) {
                continue;
            }
            open.add(c);
            State s = state(c);
            if (s.inHandler || c.getBytesIn() <= s.bytesAtAnswer) {
                continue;
            }
            if (s.pendingSinceNanos == 0) {
                s.pendingSinceNanos = now;
            } else if (now - s.pendingSinceNanos > timeoutNanos) {
                metrics.error(ErrorKind.SLOW_HEADERS);
                states.remove(c);
                endPoint.close();
            }
        }
        states.keySet().retainAll(open);
    }

    private State state(Connection c) {
        return states.computeIfAbsent(c, k -> new State());
    }

    /** The HTTP connection of a network end point: over TLS it sits on the decrypted end point. */
    private static Connection http(Connection c) {
        return c instanceof SslConnection ssl ? ssl.getSslEndPoint().getConnection() : c;
    }
}
