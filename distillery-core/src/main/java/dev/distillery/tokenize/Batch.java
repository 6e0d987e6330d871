package dev.distillery.tokenize;

/**
 * Encoded texts padded to the longest in the batch, all arrays [batch · seqLen] row-major.
 *
 * @param ids token ids, the pad id after each text's end
 * @param typeIds segment ids, the pad type id in padding
 * @param mask 1 for real tokens, 0 for padding
 */
public record Batch(int batch, int seqLen, int[] ids, int[] typeIds, int[] mask) {
    public Batch {
        int size = batch * seqLen;
        if (batch < 0 || seqLen < 0 || ids.length != size || typeIds.length != size || mask.length != size) {
            throw new IllegalArgumentException("batch arrays must all hold batch × seqLen = " + batch + " × " + seqLen + " ids");
        }
    }

    /** Number of real (unpadded) tokens in row {@code b}. */
    public int length(int b) {
        int n = 0;
        for (int t = 0; t < seqLen; t++) {
            n += mask[b * seqLen + t];
        }
        return n;
    }
}
