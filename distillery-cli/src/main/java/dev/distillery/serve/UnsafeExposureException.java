package dev.distillery.serve;

/** The server was asked to listen where other machines can reach it without saying how clients authenticate. */
public final class UnsafeExposureException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public UnsafeExposureException(String message) {
        super(message);
    }
}
