package dev.distillery.model;

import java.util.Arrays;
import java.util.List;

/**
 * Tokenized, unpadded examples for a causal language model: the ids of each sequence and its
 * labels, the id each position is scored on ({@link CausalLanguageModel#IGNORE} where no loss is
 * taken: a prompt under its completion). As in transformers, position s is trained to predict
 * {@code labels[s + 1]}; for plain text the labels are the ids themselves. Batches are padded on
 * the right to their own longest sequence ({@link #pad}). Arrays are held, not copied.
 *
 * @param ids    token ids per example, {@code [examples][length]}
 * @param labels per example, the same lengths as {@code ids}
 * @param padId  id written into padding positions (masked out, never scored)
 */
public record TokenSequences(String name, int[][] ids, int[][] labels, int padId) implements TrainingExamples {
    public TokenSequences {
        if (ids.length != labels.length) {
            throw new IllegalArgumentException(name + ": " + ids.length + " sequences but " + labels.length
                    + " label sequences");
        }
        for (int i = 0; i < ids.length; i++) {
            if (labels[i].length != ids[i].length) {
                throw new IllegalArgumentException(name + ": sequence " + i + " has " + ids[i].length + " ids but "
                        + labels[i].length + " labels");
            }
            if (scored(labels[i]) == 0) {
                throw new IllegalArgumentException(name + ": sequence " + i + " has no position to score (it needs "
                        + "at least two tokens, the second with a label)");
            }
        }
    }

    public static TokenSequences of(String name, List<int[]> ids, List<int[]> labels, int padId) {
        return new TokenSequences(name, ids.toArray(int[][]::new), labels.toArray(int[][]::new), padId);
    }

    /** Positions of one sequence that take a loss: those whose next label is not ignored. */
    public static int scored(int[] labels) {
        int n = 0;
        for (int s = 1; s < labels.length; s++) {
            n += labels[s] != CausalLanguageModel.IGNORE ? 1 : 0;
        }
        return n;
    }

    public int size() {
        return ids.length;
    }

    /** Token count of each sequence. */
    public int[] lengths() {
        return RaggedIds.lengths(ids);
    }

    /** Scored positions over all sequences. */
    public long scoredTokens() {
        long n = 0;
        for (int[] l : labels) {
            n += scored(l);
        }
        return n;
    }

    /** The sequences at {@code rows}, in that order, padded on the right to the longest of them. */
    public EncoderInput pad(int[] rows) {
        return RaggedIds.pad(name, ids, null, rows, padId);
    }

    /** The labels of {@code rows}, laid out as {@link #pad} lays out their ids, padding ignored. */
    public int[] labels(int[] rows) {
        int seq = RaggedIds.longest(name, ids, rows);
        int[] out = new int[rows.length * seq];
        Arrays.fill(out, CausalLanguageModel.IGNORE);
        for (int b = 0; b < rows.length; b++) {
            System.arraycopy(labels[rows[b]], 0, out, b * seq, labels[rows[b]].length);
        }
        return out;
    }

    /** A 64-bit hash of the ids and labels, so a resumed run can tell it was given other data. */
    public long fingerprint() {
        long h = 0xcbf29ce484222325L;
        h = RaggedIds.mix(h, ids.length);
        for (int i = 0; i < ids.length; i++) {
            h = RaggedIds.mix(h, ids[i].length);
            for (int j = 0; j < ids[i].length; j++) {
                h = RaggedIds.mix(RaggedIds.mix(h, ids[i][j]), labels[i][j]);
            }
        }
        return h;
    }

    @Override
    public String toString() {
        return name + " (" + ids.length + " sequences, " + scoredTokens() + " scored tokens)";
    }
}
