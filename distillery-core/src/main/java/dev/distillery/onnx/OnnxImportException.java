package dev.distillery.onnx;

import java.io.IOException;

/** An ONNX file that cannot be read or does not have the graph shape an importer expects. */
public final class OnnxImportException extends IOException {
    public OnnxImportException(String message) {
        super(message);
    }

    public OnnxImportException(String message, Throwable cause) {
        super(message, cause);
    }
}
