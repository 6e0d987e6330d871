package dev.distillery.train;

import java.nio.file.Path;

/** A checkpoint file that is missing, truncated, corrupt, of another format version, or of another run. */
public final class CheckpointException extends RuntimeException {
    public CheckpointException(Path file, String message) {
        super(file + ": " + message);
    }

    public CheckpointException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
    }
}
