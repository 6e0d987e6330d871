package dev.distillery.tokenize;

import java.util.List;

/**
 * Text to token ids and back, for every model family: WordPiece for the BERT encoders, and the
 * byte-level and SentencePiece-style BPE tokenizers of decoder LLMs. Each implementation gives the
 * ids Hugging Face tokenizers gives for the same tokenizer file.
 *
 * <p>Implementations are immutable and thread-safe: build one from its file ({@link Tokenizers#load}
 * picks the implementation), then encode from any thread. Example, with the bundled MiniLM's WordPiece
 * tokenizer:
 * <pre>{@code
 * Tokenizer tok = WordPieceTokenizer.fromTokenizerJson(Path.of("tokenizer.json"));
 * tok.encode("Hello!").ids();            // [101, 7592, 999, 102]: [CLS] hello ! [SEP]
 * tok.decode(tok.encode("Hello!").ids(), true);   // "hello!"
 * }</pre>
 */
public interface Tokenizer {
    /** Pass as {@code maxLength} to keep every token. */
    int NO_TRUNCATION = Integer.MAX_VALUE;

    /**
     * The ids of {@code text} with the special tokens this tokenizer adds by default, as Hugging
     * Face's {@code tokenizer(text)} gives them, cut to the tokenizer file's own truncation length
     * if it sets one.
     */
    Encoding encode(String text);

    /** As {@link #encode(String)}, cut to at most {@code maxLength} ids with the special tokens kept. */
    Encoding encode(String text, int maxLength);

    /**
     * Each text encoded with {@link #encode(String, int)} and padded to the longest in the batch
     * with {@link #padId()} and mask 0: the input of an encoder forward pass.
     */
    Batch encodeBatch(List<String> texts, int maxLength);

    /** The ids of {@code text} with no special tokens added and no truncation. */
    int[] tokenize(String text);

    /** The text of {@code ids}; special tokens are left out when {@code skipSpecialTokens}. */
    String decode(int[] ids, boolean skipSpecialTokens);

    /** The vocabulary spelling of each id. */
    String[] tokens(int[] ids);

    /** Number of ids, added tokens included. */
    int vocabSize();

    /** The id used to pad batches. */
    int padId();
}
