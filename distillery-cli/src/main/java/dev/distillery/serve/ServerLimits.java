package dev.distillery.serve;

/**
 * What one request and the server as a whole may hold; anything larger or slower is refused before it reaches
 * a model, and each refusal is counted in {@code /metrics} by its {@link ErrorKind}.
 *
 * @param maxBodyBytes        request body size; larger is 413
 * @param maxInputs           strings in {@code "inputs"}; more is 413
 * @param maxInputChars       Unicode code points in one input; longer is 400 (the model reads only its first
 *                            tokens anyway, so a longer text is a client mistake rather than a big job)
 * @param maxQueuedInputs     inputs waiting for a model across all requests; more is 503 with {@code Retry-After},
 *                            so a flood queues no unbounded memory
 * @param maxResponseBytes    the largest answer the server may have to write; checked at start from the labels
 *                            and {@code maxInputs}, so no request can produce a larger one
 * @param maxConnections      open connections; beyond it the server stops accepting until one closes
 * @param idleTimeoutMillis   a connection that sends and receives nothing for this long is closed
 * @param requestTimeoutMillis a request's headers, and then its body, must each arrive within this time; a
 *                            slower client gets 408 (or, before its headers are complete, a closed connection)
 */
public record ServerLimits(int maxBodyBytes, int maxInputs, int maxInputChars, int maxQueuedInputs, int maxResponseBytes,
                           int maxConnections, long idleTimeoutMillis, long requestTimeoutMillis) {
    public static final ServerLimits DEFAULTS = new ServerLimits(1 << 20, 256, 4096, 16_384, 4 << 20, 1024, 30_000, 30_000);

    public ServerLimits {
        if (maxBodyBytes < 1 || maxInputs < 1 || maxInputChars < 1 || maxQueuedInputs < maxInputs) {
            throw new IllegalArgumentException("limits must be positive and the queue must hold one full request: body "
                    + maxBodyBytes + " bytes, " + maxInputs + " inputs of " + maxInputChars + " characters, queue "
                    + maxQueuedInputs);
        }
        if (maxResponseBytes < 1 || maxConnections < 1 || idleTimeoutMillis < 1 || requestTimeoutMillis < 1) {
            throw new IllegalArgumentException("response size, connections and timeouts must be positive: response "
                    + maxResponseBytes + " bytes, " + maxConnections + " connections, idle timeout " + idleTimeoutMillis
                    + " ms, request timeout " + requestTimeoutMillis + " ms");
        }
    }

    /** Per-request limits with the default response size, connections and timeouts. */
    public ServerLimits(int maxBodyBytes, int maxInputs, int maxInputChars, int maxQueuedInputs) {
        this(maxBodyBytes, maxInputs, maxInputChars, maxQueuedInputs, DEFAULTS.maxResponseBytes, DEFAULTS.maxConnections,
                DEFAULTS.idleTimeoutMillis, DEFAULTS.requestTimeoutMillis);
    }

    public ServerLimits withTimeouts(long idleMillis, long requestMillis) {
        return new ServerLimits(maxBodyBytes, maxInputs, maxInputChars, maxQueuedInputs, maxResponseBytes, maxConnections,
                idleMillis, requestMillis);
    }

    public ServerLimits withMaxConnections(int connections) {
        return new ServerLimits(maxBodyBytes, maxInputs, maxInputChars, maxQueuedInputs, maxResponseBytes, connections,
                idleTimeoutMillis, requestTimeoutMillis);
    }

    public ServerLimits withMaxResponseBytes(int bytes) {
        return new ServerLimits(maxBodyBytes, maxInputs, maxInputChars, maxQueuedInputs, bytes, maxConnections,
                idleTimeoutMillis, requestTimeoutMillis);
    }
}
