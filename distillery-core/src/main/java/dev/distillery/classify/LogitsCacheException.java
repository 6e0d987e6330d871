package dev.distillery.classify;

import java.nio.file.Path;

/** A teacher-logits cache ({@link LogitsCache}) that is damaged, incomplete or made by another teacher. */
public final class LogitsCacheException extends RuntimeException {
    public LogitsCacheException(Path where, String problem) {
        super(where + " " + problem);
    }
}
