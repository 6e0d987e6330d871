package dev.distillery.distill;

import java.nio.file.Path;

/** A teacher-logits cache file that is damaged or belongs to other data. */
public final class TeacherLogitsException extends RuntimeException {
    public TeacherLogitsException(Path file, String problem) {
        super(file + " " + problem);
    }
}
