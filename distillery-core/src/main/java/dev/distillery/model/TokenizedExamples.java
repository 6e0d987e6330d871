package dev.distillery.model;


import java.util.Arrays;
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
public record TokenizedExamples(String name, int[][] ids, int[][] typeIds, int[] labels, int numLabels, int padId) {
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
        int[] lengths = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            lengths[i] = ids[i].length;
        }
        return lengths;
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
        if (rows.length == 0) {
            throw new IllegalArgumentException(name + ": cannot pad an empty batch");
        }
        int seqLen = 0;
        for (int r : rows) {
            seqLen = Math.max(seqLen, ids[r].length);
        }
        int[] inputIds = new int[rows.length * seqLen];  // [batch, seqLen]
        int[] types = new int[rows.length * seqLen];     // [batch, seqLen]
        int[] mask = new int[rows.length * seqLen];      // [batch, seqLen]
        Arrays.fill(inputIds, padId);
        for (int b = 0; b < rows.length; b++) {
            int[] row = ids[rows[b]];
            System.arraycopy(row, 0, inputIds, b * seqLen, row.length);
            if (typeIds != null) {
                System.arraycopy(typeIds[rows[b]], 0, types, b * seqLen, row.length);
            }
            Arrays.fill(mask, b * seqLen, b * seqLen + row.length, 1);
        }
        return new EncoderInput(rows.length, seqLen, inputIds, types, mask);
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
        h = mix(h, ids.length);
        for (int i = 0; i < ids.length; i++) {
            h = mix(h, labels[i]);
            h = mix(h, ids[i].length);
            for (int id : ids[i]) {
                h = mix(h, id);
            }
            if (typeIds != null) {
                for (int t : typeIds[i]) {
                    h = mix(h, t);
                }
            }
        }
        return h;
    }

    private static long mix(long h, int value) {
        // FNV-1a over the int, then a multiply so nearby ids spread
        h ^= value;
        h *= 0x100000001b3L;
        return h ^ (h >>> 29);
    }

    @Override
    public String toString() {
        return name + " (" + ids.length + " examples, " + numLabels + " labels)";
    }
}
