package dev.distillery.io;

import dev.distillery.tokenize.Printable;
import java.io.IOException;

/**
 * A checkpoint file or folder that does not follow its format: a malformed safetensors header,
 * a config.json field of the wrong type, a missing or wrongly shaped tensor. The message is one
 * sentence naming the file, the tensor or field, and what was expected; names and values quoted from
 * the file are escaped so that it stays one line.
 */
public class CheckpointFormatException extends IOException {
    public CheckpointFormatException(String message) {
        super(Printable.oneLine(message));
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(Printable.oneLine(message), cause);
    }
}
