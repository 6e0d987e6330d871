package dev.distillery.distill;

import dev.distillery.model.TokenizedExamples;
import dev.distillery.tokenize.Vocab;
import dev.distillery.tokenize.Tokenizer;
import dev.distillery.tokenize.WordPieceTokenizer;

import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * A vocabulary cut down to the word pieces the training texts use, plus BERT's special tokens.
 * Embeddings are half of MiniLM's parameters and URL data touches a few thousand of its 30522
 * pieces, so this is the cheapest large saving a student gets.
 *
 * <p>With a minimum count above 1 it also drops the pieces used fewer times than that: on URL data
 * many kept pieces are host and path fragments of one or two URLs (malicious-urls with one variant
 * per row: 16,262 pieces, 10,189 used at least 5 times), whose embedding rows a student barely
 * trains, and the bytes they take can buy width or depth instead. The training texts then
 * tokenize differently (a dropped piece falls back to shorter kept pieces, or its word to
 * {@code [UNK]}), so the student must be trained on {@link #tokenizer()}'s own encodings rather
 * than on {@link #remap} of the original ids: {@link #studentRows} gives the right ones.
 *
 * <p>Kept pieces stay in their original order ({@code [PAD]} stays id 0, as the encoder's padding
 * row expects). On the training texts the trimmed tokenizer gives exactly {@link #remap} of the
 * original ids: WordPiece's greedy longest match finds, at every step, the same piece as before,
 * because that piece was seen and kept and any longer match was absent already. On other text a
 * word whose pieces were not kept falls back to shorter kept pieces, or to {@code [UNK]}.
 *
 * @param keptIds    original id of each new id, [new vocabulary]; also gathers embedding rows
 * @param newIdOfOld new id of each original id, or -1 when dropped, [original vocabulary]
 * @param tokenizer  the original tokenizer over the trimmed vocabulary
 * @param minCount   how often the texts must use a piece for it to be kept; 1 keeps every piece they use
 */
public record VocabularyTrim(int[] keptIds, int[] newIdOfOld, WordPieceTokenizer tokenizer, int minCount) {
    /** BERT's special tokens, kept whenever the vocabulary has them. */
    public static final List<String> SPECIAL_TOKENS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

    /** Keeps every piece that tokenizing {@code texts} (untruncated) with {@code original} produces. */
    public static VocabularyTrim fromTexts(WordPieceTokenizer original, Iterable<String> texts) {
        return fromTexts(original, texts, 1);
    }

    /**
     * Keeps the pieces that tokenizing {@code texts} (untruncated) with {@code original} produces at least
     * {@code minCount} times, and the special tokens whatever their count.
     *
     * @throws IllegalArgumentException when {@code minCount} is below 1
     */
    public static VocabularyTrim fromTexts(WordPieceTokenizer original, Iterable<String> texts, int minCount) {
        if (minCount < 1) {
            throw new IllegalArgumentException("minimum piece count " + minCount + " must be at least 1");
        }
        Vocab vocab = original.vocab();
        int[] counts = new int[vocab.size()]; // [original vocabulary]
        for (String text : texts) {
            for (int id : original.encode(text, Tokenizer.NO_TRUNCATION).ids()) {
                counts[id]++;
            }
        }
        BitSet used = new BitSet(vocab.size());
        for (int id = 0; id < counts.length; id++) {
            if (counts[id] >= minCount) {
                used.set(id);
            }
        }
        for (String special : SPECIAL_TOKENS) {
            int id = vocab.id(special);
            if (id >= 0) {
                used.set(id);
            }
        }
        int[] kept = used.stream().toArray();
        int[] newIdOfOld = new int[vocab.size()];
        Arrays.fill(newIdOfOld, -1);
        for (int i = 0; i < kept.length; i++) {
            newIdOfOld[kept[i]] = i;
        }
        return new VocabularyTrim(kept, newIdOfOld, original.withVocab(vocab.retain(kept)), minCount);
    }

    public int size() {
        return keptIds.length;
    }

    public int originalSize() {
        return newIdOfOld.length;
    }

    /** Original ids to trimmed ones; every id must have been kept. */
    public int[] remap(int[] originalIds) {
        int[] out = new int[originalIds.length];
        for (int i = 0; i < out.length; i++) {
            int id = originalIds[i];
            int mapped = id >= 0 && id < newIdOfOld.length ? newIdOfOld[id] : -1;
            if (mapped < 0) {
                throw new IllegalArgumentException("token id " + id + " was not kept by the vocabulary trim; "
                        + "trim over every text the student is trained on");
            }
            out[i] = mapped;
        }
        return out;
    }

    /**
     * The rows a student with this vocabulary trains on: {@code originalRows} (the original tokenizer's ids of
     * {@code texts}, truncated to {@code maxLength}) remapped when every piece the texts use was kept, else the
     * texts encoded anew by {@link #tokenizer()}, as the saved student will encode them (one segment each).
     * Labels are shared.
     */
    public TokenizedExamples studentRows(TokenizedExamples originalRows, List<String> texts, int maxLength) {
        if (minCount == 1) {
            return remap(originalRows);
        }
        if (texts.size() != originalRows.size()) {
            throw new IllegalArgumentException(texts.size() + " texts for the " + originalRows.size() + " rows of "
                    + originalRows.name());
        }
        int[][] ids = new int[texts.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokenizer.encode(texts.get(i), maxLength).ids();
        }
        // one segment per text, as the tokenizer encodes it: no type ids, whatever lengths the old ones had
        return new TokenizedExamples(originalRows.name(), ids, null, originalRows.labels(), originalRows.numLabels(),
                tokenizer.padId());
    }

    /** The same examples with remapped ids (type ids and labels shared, not copied). */
    public TokenizedExamples remap(TokenizedExamples examples) {
        int[][] ids = new int[examples.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = remap(examples.ids()[i]);
        }
        return new TokenizedExamples(examples.name(), ids, examples.typeIds(), examples.labels(), examples.numLabels(),
                tokenizer.padId());
    }
}
