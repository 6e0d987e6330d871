package dev.distillery.model;

import java.util.Arrays;

/**
 * Unpadded token rows, {@code [examples][length]}, as {@link TokenizedExamples} and
 * {@link TokenSequences} hold them: their lengths, a batch of them padded on the right to its own
 * longest row, and the hash both use to fingerprint their data.
 */
final class RaggedIds {
    private RaggedIds() {
    }

    /** Token count of each row. */
    static int[] lengths(int[][] ids) {
        int[] lengths = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            lengths[i] = ids[i].length;
        }
        return lengths;
    }

    /** The longest of the rows at {@code rows}; an empty batch is refused, naming {@code name}. */
    static int longest(String name, int[][] ids, int[] rows) {
        if (rows.length == 0) {
            throw new IllegalArgumentException(name + ": cannot pad an empty batch");
        }
        int seq = 0;
        for (int r : rows) {
            seq = Math.max(seq, ids[r].length);
        }
        return seq;
    }

    /**
     * The rows at {@code rows}, in that order, padded with {@code padId} to the longest of them,
     * padding masked out; type ids from {@code typeIds} (same lengths), or all zero when it is null.
     */
    static EncoderInput pad(String name, int[][] ids, int[][] typeIds, int[] rows, int padId) {
        int seq = longest(name, ids, rows);
        int[] input = new int[rows.length * seq];  // [batch, seq]
        int[] types = new int[rows.length * seq];  // [batch, seq]
        int[] mask = new int[rows.length * seq];   // [batch, seq]
        Arrays.fill(input, padId);
        for (int b = 0; b < rows.length; b++) {
            int[] row = ids[rows[b]];
            System.arraycopy(row, 0, input, b * seq, row.length);
            if (typeIds != null) {
                System.arraycopy(typeIds[rows[b]], 0, types, b * seq, row.length);
            }
            Arrays.fill(mask, b * seq, b * seq + row.length, 1);
        }
        return new EncoderInput(rows.length, seq, input, types, mask);
    }

    /** One step of the data fingerprint: FNV-1a over the int, then a multiply so nearby ids spread. */
    static long mix(long h, int value) {
        h ^= value;
        h *= 0x100000001b3L;
        return h ^ (h >>> 29);
    }
}
