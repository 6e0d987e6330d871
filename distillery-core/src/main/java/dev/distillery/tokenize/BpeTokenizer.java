package dev.distillery.tokenize;

import dev.distillery.tokenize.AddedTokens.Segment;
import java.util.ArrayList;
import java.util.List;

/**
 * The tokenizer of decoder LLMs: Hugging Face's pipeline (https://huggingface.co/docs/tokenizers/pipeline)
 * of added-token matching, normalizer, pre-tokenizer, a BPE model, post-processing template and
 * decoder, giving the ids Hugging Face tokenizers gives for the same file. Two kinds of model sit
 * in it: BPE by merge rank, from a tokenizer.json or a GGUF "gpt2" vocabulary (GPT-2, Llama 3,
 * Qwen2, SmolLM2, and Llama 2's tokenizer.json with byte fallback), and SentencePiece-style BPE by
 * piece score, from llama2.c's tokenizer.bin or a GGUF "llama" vocabulary. Instances are immutable
 * and thread-safe. Build one with {@link Tokenizers}.
 *
 * <pre>{@code
 * BpeTokenizer tok = (BpeTokenizer) Tokenizers.fromTokenizerJson(Path.of("smollm2/tokenizer.json"));
 * tok.tokens(tok.encode("Hello world!").ids());   // [Hello, Ġworld, !]
 * tok.decode(tok.encode("Hello world!").ids(), true);   // "Hello world!"
 * }</pre>
 */
public final class BpeTokenizer implements Tokenizer {

    /** Which model the pipeline runs. */
    public enum Kind {
        /** Merges by rank, as Hugging Face's BPE model and llama.cpp's "gpt2" vocabulary. */
        RANKED_BPE,
        /** Merges by piece score, as SentencePiece, llama2.c and llama.cpp's "llama" vocabulary. */
        SCORED_BPE
    }

    /**
     * Ids with a role, each -1 when the file names none.
     *
     * @param pad the id {@link #encodeBatch} pads with; the end-of-sequence id, else 0, when the file names none
     */
    public record SpecialIds(int bos, int eos, int unk, int pad) {
    }

    /**
     * Everything a tokenizer is made of, as its reader filled it.
     *
     * @param matchAdded whether added tokens are found in text (always, except for llama2.c's tokenizer)
     * @param ggufPre llama.cpp's name for this normalizer and pre-tokenizer pair, or null if it has none
     * @param sentencePiece the GGUF form of a scored vocabulary, or null
     * @param merges the ranked merges as "a b", or an empty list
     */
    record Parts(Kind kind, TokenTable table, List<AddedTokens.Token> added, boolean matchAdded, TextNormalizer normalizer,
                 PreTokenizer preTokenizer, SubwordModel model, Template template, TokenDecoder decoder,
                 int truncationLength, boolean truncateLeft, int padTypeId, boolean padLeft, int padToMultipleOf,
                 SpecialIds specials, String ggufPre, SentencePieceVocab sentencePiece, List<String> merges) {
    }

    private final Parts parts;
    private final AddedTokens added;
    private final int padId;

    BpeTokenizer(Parts parts) {
        this.parts = parts;
        this.added = new AddedTokens(parts.added(), parts.normalizer(), parts.matchAdded());
        SpecialIds s = parts.specials();
        this.padId = s.pad() >= 0 ? s.pad() : s.eos() >= 0 ? s.eos() : 0;
    }

    Parts parts() {
        return parts;
    }

    public Kind kind() {
        return parts.kind();
    }

    /** The ids with a role; {@link SpecialIds#pad()} is the one the file names, -1 if none. */
    public SpecialIds specialIds() {
        return parts.specials();
    }

    /** The id spelt {@code token} (an added token or a vocabulary entry), or -1. */
    public int id(String token) {
        return parts.table().id(token);
    }

    /** The added tokens (special or not) that are matched in text before the model runs. */
    public List<String> addedTokens() {
        return added.tokens().stream().map(AddedTokens.Token::content).toList();
    }

    /** Whether {@code id} is a special token, left out by {@code decode(ids, true)}. */
    public boolean isSpecial(int id) {
        return added.isSpecial(id);
    }

    @Override
    public Encoding encode(String text) {
        return encode(text, parts.truncationLength());
    }

    @Override
    public Encoding encode(String text, int maxLength) {
        IntList pieces = new IntList();
        tokenizeInto(text, pieces);
        return parts.template().assemble(pieces, maxLength, parts.truncateLeft(), this::tokenOrEmpty);
    }

    @Override
    public Batch encodeBatch(List<String> texts, int maxLength) {
        Encoding[] encodings = new Encoding[texts.size()];
        for (int b = 0; b < encodings.length; b++) {
            encodings[b] = encode(texts.get(b), maxLength);
        }
        return Template.pad(encodings, padId, parts.padTypeId(), parts.padLeft(), parts.padToMultipleOf());
    }

    @Override
    public int[] tokenize(String text) {
        IntList pieces = new IntList();
        tokenizeInto(text, pieces);
        return pieces.toArray(0, pieces.size());
    }

    /**
     * Hugging Face's {@code encode_single_sequence}: raw-text added tokens out, the rest
     * normalized, normalized added tokens out, the rest pre-tokenized into pieces, each piece
     * through the model.
     */
    private void tokenizeInto(String text, IntList out) {
        for (Segment raw : added.splitRaw(Utf8.wellFormed(text), true)) {
            if (raw.id() >= 0) {
                out.add(raw.id());
                continue;
            }
            String normalized = parts.normalizer().normalize(raw.text());
            for (Segment segment : added.splitNormalized(normalized, raw.atOrigin())) {
                if (segment.id() >= 0) {
                    out.add(segment.id());
                    continue;
                }
                for (TextPiece piece : parts.preTokenizer().apply(List.of(new TextPiece(segment.text(), segment.atOrigin())))) {
                    parts.model().tokenize(piece.text(), out);
                }
            }
        }
    }

    /**
     * The text of {@code ids} through the file's decoder (for byte-level BPE the bytes the tokens
     * spell, for SentencePiece '▁' back to spaces, byte pieces to bytes and the prefix space
     * dropped). Ids outside the vocabulary are skipped, as Hugging Face skips them.
     */
    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            String token = parts.table().token(id);
            if (token != null && !(skipSpecialTokens && added.isSpecial(id))) {
                tokens.add(token);
            }
        }
        return parts.decoder().decode(tokens);
    }

    @Override
    public String[] tokens(int[] ids) {
        String[] out = new String[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = parts.table().token(ids[i]);
        }
        return out;
    }

    private String tokenOrEmpty(int id) {
        String t = parts.table().token(id);
        return t == null ? "" : t;
    }

    @Override
    public int vocabSize() {
        return parts.table().size();
    }

    @Override
    public int padId() {
        return padId;
    }

    /** The special ids put before every text by {@link #encode(String)} (BOS for Llama), perhaps none. */
    public int[] prefixIds() {
        return parts.template().prefix();
    }

    /** The special ids put after every text by {@link #encode(String)}, perhaps none. */
    public int[] suffixIds() {
        return parts.template().suffix();
    }

    @Override
    public String toString() {
        return (parts.kind() == Kind.RANKED_BPE ? "BPE" : "SentencePiece BPE") + " tokenizer of " + vocabSize()
                + " ids";
    }
}
