package dev.distillery.model;

/**
 * A padded batch of token ids for an encoder, all arrays [batch · seqLen] row-major.
 *
 * @param tokenTypeIds segment ids (all zero for single texts); ignored by DistilBERT
 * @param attentionMask 1 for real tokens, 0 for padding
 */
public record EncoderInput(int batch, int seqLen, int[] inputIds, int[] tokenTypeIds, int[] attentionMask) {
    public EncoderInput {
        int size = batch * seqLen;
        if (batch <= 0 || seqLen <= 0 || inputIds.length != size || tokenTypeIds.length != size
                || attentionMask.length != size) {
            throw new IllegalArgumentException("encoder input arrays must all hold batch × seqLen = " + size + " ids");
        }
    }

    /** Number of real (unpadded) tokens in row {@code b}. */
    public int length(int b) {
        int n = 0;
        for (int t = 0; t < seqLen; t++) {
            n += attentionMask[b * seqLen + t];
        }
        return n;
    }
}
