package dev.distillery.serve;

/** A request the server refuses, with the sentence its client gets as {@code {"error": ...}}. */
public final class ApiException extends Exception {
    private final ErrorKind kind;

    public ApiException(ErrorKind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public ErrorKind kind() {
        return kind;
    }
}
