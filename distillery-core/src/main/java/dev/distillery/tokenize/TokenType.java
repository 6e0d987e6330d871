package dev.distillery.tokenize;

/**
 * The token types of a GGUF vocabulary ({@code tokenizer.ggml.token_type}, llama.cpp's
 * {@code llama_token_type}): what a vocabulary entry is for, which decides whether it is matched
 * in text as a special token and skipped when decoding.
 */
public final class TokenType {
    public static final int UNDEFINED = 0;
    /** An ordinary piece of text. */
    public static final int NORMAL = 1;
    /** The unknown token. */
    public static final int UNKNOWN = 2;
    /** A special token such as BOS or "<|im_end|>": matched in text, skipped when decoding with skip. */
    public static final int CONTROL = 3;
    /** An added token that is text, not control: matched in text, kept when decoding. */
    public static final int USER_DEFINED = 4;
    /** A placeholder id no text maps to. */
    public static final int UNUSED = 5;
    /** A byte piece {@code <0xNN>} of SentencePiece's byte fallback. */
    public static final int BYTE = 6;

    private TokenType() {
    }
}
