package dev.distillery.serve;

import dev.distillery.tokenize.Printable;

/**
 * A request the server refuses, with the sentence its client gets as {@code {"error": ...}}: one line, with what it
 * quotes from the request escaped, so it reads the same in a log.
 */
public final class ApiException extends Exception {
    private final ErrorKind kind;

    public ApiException(ErrorKind kind, String message) {
        super(Printable.oneLine(message), null, false, false);
        this.kind = kind;
    }

    public ErrorKind kind() {
        return kind;
    }
}
