package dev.distillery.distill;

/** A student shape that the chosen initialisation cannot build from the given teacher. */
public final class StudentConfigException extends RuntimeException {
    public StudentConfigException(String message) {
        super(message);
    }
}
