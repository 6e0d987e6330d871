package dev.distillery.serve;

/**
 * What one request may hold; anything larger is refused before it reaches a model.
 *
 * @param maxBodyBytes     request body size; larger is 413
 * @param maxInputs        strings in {@code "inputs"}; more is 413
 * @param maxInputChars    Unicode code points in one input; longer is 400 (the model reads only its first
 *                         tokens anyway, so a longer text is a client mistake rather than a big job)
 * @param maxQueuedInputs  inputs waiting for a model across all requests; more is 503, so a flood
 *                         queues no unbounded memory
 */
public record ServerLimits(int maxBodyBytes, int maxInputs, int maxInputChars, int maxQueuedInputs) {
    public static final ServerLimits DEFAULTS = new ServerLimits(1 << 20, 256, 4096, 16_384);

    public ServerLimits {
        if (maxBodyBytes < 1 || maxInputs < 1 || maxInputChars < 1 || maxQueuedInputs < maxInputs) {
            throw new IllegalArgumentException("limits must be positive and the queue must hold one full request: body "
                    + maxBodyBytes + " bytes, " + maxInputs + " inputs of " + maxInputChars + " characters, queue "
                    + maxQueuedInputs);
        }
    }
}
