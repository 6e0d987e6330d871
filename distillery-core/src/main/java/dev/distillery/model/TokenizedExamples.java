package dev.distillery.model;


import java.util.List;

/**
 * Tokenized, unpadded training or validation examples: the ids of each text (special tokens
 * included, already truncated) and its label. Batches are padded on demand to their own longest
 * example ({@link #pad}), which is what lets {@code LengthBatches} save work. Arrays are held, not
 * copied; callers must not change them afterwards.
 *
 * <p>From the tokenizer: {@code ids[i] = tokenizer.encode(text, maxLength).ids()}, and the labels of
 * the {@code Dataset}.
 *
 * @param ids     token ids per example, {@code [examples][length]}, each length ≥ 1
 * @param typeIds segment ids per example with the same lengths, or null for all zero (single texts)
 * @param labels  class index per example, {@code [examples]}
 * @param padId   id written into padding positions (BERT's {@code [PAD]} is 0); padding is masked out
 */
public record TokenizedExamples(String name, int[][] ids, int[][] typeIds, int[] labels, int numLabels, int padId)
        implements TrainingExamples {
    public TokenizedExamples {
        if (ids.length != labels.length) {
            throw new IllegalArgumentException(name + ": " + ids.length + " token sequences but " + labels.length + " labels");
        }
        if (typeIds != null && typeIds.length != ids.length) {
            throw new IllegalArgumentException(name + ": " + typeIds.length + " type-id sequences for " + ids.length
                    + " examples");
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i].length == 0) {
                throw new IllegalArgumentException(name + ": example " + i + " has no tokens; encode with special tokens");
            }
            if (typeIds != null && typeIds[i].length != ids[i].length) {
                throw new IllegalArgumentException(name + ": example " + i + " has " + ids[i].length + " ids but "
                        + typeIds[i].length + " type ids");
            }
            if (labels[i] < 0 || labels[i] >= numLabels) {
                throw new IllegalArgumentException(name + ": label " + labels[i] + " of example " + i
                        + " is outside [0, " + numLabels + ")");
            }
        }
    }

    public static TokenizedExamples of(String name, List<int[]> ids, int[] labels, int numLabels) {
        return new TokenizedExamples(name, ids.toArray(int[][]::new), null, labels, numLabels, 0);
    }

    public int size() {
        return ids.length;
    }

    /** Token count of each example, {@code [examples]}. */
    public int[] lengths() {
        return RaggedIds.lengths(ids);
    }

    public int maxLength() {
        int max = 0;
        for (int[] row : ids) {
            max = Math.max(max, row.length);
        }
        return max;
    }

    /** The examples at {@code rows}, in that order, padded to the longest of them. */
    public EncoderInput pad(int[] rows) {
        return RaggedIds.pad(name, ids, typeIds, rows, padId);
    }

    /** The labels of {@code rows}. */
    public int[] labels(int[] rows) {
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = labels[rows[i]];
        }
        return out;
    }

    /**
     * A 64-bit hash of the ids, type ids and labels, so a resumed run can tell that it was given
     * other data than the run it continues.
     */
    public long fingerprint() {
        long h = 0xcbf29ce484222325L;
        h = RaggedIds.mix(h, ids.length);
        for (int i = 0; i < ids.length; i++) {
            h = RaggedIds.mix(h, labels[i]);
            h = RaggedIds.mix(h, ids[i].length);
            for (int id : ids[i]) {
                h = RaggedIds.mix(h, id);
            }
            if (typeIds != null) {
                for (int t : typeIds[i]) {
                    h = RaggedIds.mix(h, t);
                }
            }
        }
        return h;
    }

    @Override
    public String toString() {
        return name + " (" + ids.length + " examples, " + numLabels + " labels)";
    }
}
