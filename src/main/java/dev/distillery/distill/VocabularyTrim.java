package dev.distillery.distill;

import dev.distillery.tokenize.Vocab;
import dev.distillery.tokenize.WordPieceTokenizer;
import dev.distillery.train.TokenizedExamples;

import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * A vocabulary cut down to the word pieces the training texts use, plus BERT's special tokens.
 * Embeddings are half of MiniLM's parameters and URL data touches a few thousand of its 30522
 * pieces, so this is the cheapest large saving a student gets.
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
 */
public record VocabularyTrim(int[] keptIds, int[] newIdOfOld, WordPieceTokenizer tokenizer) {
    /** BERT's special tokens, kept whenever the vocabulary has them. */
    public static final List<String> SPECIAL_TOKENS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

    /** Keeps every piece that tokenizing {@code texts} (untruncated) with {@code original} produces. */
    public static VocabularyTrim fromTexts(WordPieceTokenizer original, Iterable<String> texts) {
        Vocab vocab = original.vocab();
        BitSet used = new BitSet(vocab.size());
        for (String special : SPECIAL_TOKENS) {
            int id = vocab.id(special);
            if (id >= 0) {
                used.set(id);
            }
        }
        for (String text : texts) {
            for (int id : original.encode(text, WordPieceTokenizer.NO_TRUNCATION).ids()) {
                used.set(id);
            }
        }
        int[] kept = used.stream().toArray();
        int[] newIdOfOld = new int[vocab.size()];
        Arrays.fill(newIdOfOld, -1);
        for (int i = 0; i < kept.length; i++) {
            newIdOfOld[kept[i]] = i;
        }
        return new VocabularyTrim(kept, newIdOfOld, original.withVocab(vocab.retain(kept)));
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
