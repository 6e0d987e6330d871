package dev.distillery.tokenize;

import java.io.IOException;

/**
 * A vocab.txt or tokenizer.json that cannot be read as a BERT WordPiece tokenizer; the message names the file and
 * field, on one line (tokens quoted from the file are escaped).
 */
public final class InvalidTokenizerException extends IOException {
    public InvalidTokenizerException(String message) {
        super(Printable.oneLine(message));
    }
}
