package dev.distillery.serve;

/**
 * How the server listens, batches and shuts down.
 *
 * @param host            address to bind, e.g. {@code 127.0.0.1}
 * @param port            TCP port; 0 picks a free one (see {@link ClassificationServer#port()})
 * @param escalateBelow   with a teacher: inputs whose student top probability is below this go to the teacher
 * @param limits          per-request limits
 * @param maxBatch        inputs per forward pass
 * @param maxWaitMicros   how long the oldest waiting input may wait for others to join its batch
 * @param drainMillis     on shutdown, how long in-flight requests may take to finish
 * @param security        API keys, TLS, and whether an open server off loopback is meant
 */
public record ServeOptions(String host, int port, double escalateBelow, ServerLimits limits, int maxBatch,
                           long maxWaitMicros, long drainMillis, ServeSecurity security) {
    public static final double DEFAULT_ESCALATE_BELOW = 0.8;

    public ServeOptions {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " is outside [0, 65535]");
        }
        if (!(escalateBelow >= 0 && escalateBelow <= 1)) {
            throw new IllegalArgumentException("the escalation threshold " + escalateBelow + " is not a probability in [0, 1]");
        }
        if (maxBatch < 1 || maxWaitMicros < 0 || drainMillis < 0) {
            throw new IllegalArgumentException("max batch must be at least 1 and waits non-negative: batch " + maxBatch
                    + ", wait " + maxWaitMicros + " us, drain " + drainMillis + " ms");
        }
        if (security == null) {
            security = ServeSecurity.LOOPBACK_ONLY;
        }
    }

    /**
     * Loopback, the given port, threshold 0.8, default limits, batches of up to 64 gathered for 2 ms, 30 s drain,
     * no keys, plain HTTP.
     */
    public static ServeOptions defaults(int port) {
        return new ServeOptions("127.0.0.1", port, DEFAULT_ESCALATE_BELOW, ServerLimits.DEFAULTS, 64, 2_000, 30_000,
                ServeSecurity.LOOPBACK_ONLY);
    }

    public ServeOptions withEscalateBelow(double threshold) {
        return new ServeOptions(host, port, threshold, limits, maxBatch, maxWaitMicros, drainMillis, security);
    }

    public ServeOptions withLimits(ServerLimits newLimits) {
        return new ServeOptions(host, port, escalateBelow, newLimits, maxBatch, maxWaitMicros, drainMillis, security);
    }

    public ServeOptions withHost(String newHost) {
        return new ServeOptions(newHost, port, escalateBelow, limits, maxBatch, maxWaitMicros, drainMillis, security);
    }

    public ServeOptions withSecurity(ServeSecurity newSecurity) {
        return new ServeOptions(host, port, escalateBelow, limits, maxBatch, maxWaitMicros, drainMillis, newSecurity);
    }
}
