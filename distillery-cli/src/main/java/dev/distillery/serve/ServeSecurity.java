package dev.distillery.serve;

/**
 * Who may use the server and how it is reached. {@link ClassificationServer#start} refuses to listen on an address
 * other machines can reach (anything but loopback) unless clients must present an API key, or {@code insecure}
 * says that an open server is meant.
 *
 * @param apiKeys  keys one of which every request to {@code /v1/classify} and {@code /metrics} must carry as
 *                 {@code Authorization: Bearer KEY}, or null for none ({@code /health} stays open for probes)
 * @param tls      certificate and key to serve HTTPS with, or null for plain HTTP
 * @param insecure allow a non-loopback address without API keys
 */
public record ServeSecurity(ApiKeys apiKeys, TlsKeystore tls, boolean insecure) {
    /** No keys, no TLS: for loopback only. */
    public static final ServeSecurity LOOPBACK_ONLY = new ServeSecurity(null, null, false);
}
