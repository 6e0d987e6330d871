package dev.distillery.tokenize;

/**
 * One piece of text on its way through a tokenizer pipeline, between the added-token pass and the
 * model: Hugging Face's {@code Split} of a {@code PreTokenizedString}, reduced to what decides ids.
 *
 * @param text the piece as the model will see it once every pre-tokenizer has run
 * @param atOrigin whether the piece begins where the input text begins (Hugging Face's
 *     {@code offsets_original().0 == 0}), which Metaspace's {@code prepend_scheme: first} asks
 */
record TextPiece(String text, boolean atOrigin) {
}
