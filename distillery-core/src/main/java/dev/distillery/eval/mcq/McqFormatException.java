package dev.distillery.eval.mcq;

/** A question file that is not what {@link McqFile} reads; the message names the file and line. */
public final class McqFormatException extends IllegalArgumentException {
    public McqFormatException(String message) {
        super(message);
    }
}
