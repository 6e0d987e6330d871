package dev.distillery.classify;

import dev.distillery.io.CheckpointFormatException;

/**
 * A model folder whose files are not the ones its manifest records: one changed, missing, or added where it would
 * change how the folder loads. The message names the file and says how to proceed.
 */
public final class ModelIntegrityException extends CheckpointFormatException {
    private static final long serialVersionUID = 1L;

    public ModelIntegrityException(String message) {
        super(message);
    }
}
