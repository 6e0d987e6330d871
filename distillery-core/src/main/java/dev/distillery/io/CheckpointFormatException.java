package dev.distillery.io;

import java.io.IOException;

/**
 * A checkpoint file or folder that does not follow its format: a malformed safetensors header,
 * a config.json field of the wrong type, a missing or wrongly shaped tensor. The message is one
 * sentence naming the file, the tensor or field, and what was expected.
 */
public class CheckpointFormatException extends IOException {
    public CheckpointFormatException(String message) {
        super(message);
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
