package dev.distillery.serve;

/** Why a request failed: its HTTP status and the label {@code /metrics} counts it under. */
public enum ErrorKind {
    MALFORMED_JSON(400, "malformed_json"),
    INVALID_REQUEST(400, "invalid_request"),
    INPUT_TOO_LONG(400, "input_too_long"),
    /** No {@code Authorization: Bearer} header with a key from the server's key file. */
    UNAUTHORIZED(401, "unauthorized"),
    NOT_FOUND(404, "not_found"),
    METHOD_NOT_ALLOWED(405, "method_not_allowed"),
    /** The body did not arrive within the request timeout. */
    REQUEST_TIMEOUT(408, "request_timeout"),
    BODY_TOO_LARGE(413, "body_too_large"),
    TOO_MANY_INPUTS(413, "too_many_inputs"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type"),
    INTERNAL(500, "internal"),
    OVERLOADED(503, "overloaded"),
    SHUTTING_DOWN(503, "shutting_down"),
    /** Refused by the HTTP layer before routing: bad request line, headers too large, bad URI. */
    PROTOCOL(400, "protocol"),
    /** A connection closed because its request headers did not arrive within the request timeout; no answer is sent. */
    SLOW_HEADERS(408, "slow_headers");

    private final int status;
    private final String label;

    ErrorKind(int status, String label) {
        this.status = status;
        this.label = label;
    }

    public int status() {
        return status;
    }

    public String label() {
        return label;
    }
}
