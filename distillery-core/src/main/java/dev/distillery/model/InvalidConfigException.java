package dev.distillery.model;

/**
 * A model configuration that cannot be built: a field missing, of the wrong type or out of range,
 * or naming an architecture a family does not implement. The message names the file and field.
 */
public final class InvalidConfigException extends IllegalArgumentException {
    public InvalidConfigException(String message) {
        super(message);
    }

    public InvalidConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
