package dev.distillery.model;

import java.util.List;

/** Tiny configurations and padded batches shared by the model tests. */
final class TinyModels {
    private TinyModels() {
    }

    static EncoderConfig config(String family, float dropout) {
        boolean distil = family.equals("distilbert");
        return new EncoderConfig(family, 30, 8, 2, 2, 12, 16, distil ? 0 : 2, 1e-12f,
                dropout, dropout, dropout, List.of("benign", "phishing", "malware"));
    }

    /**
     * Rows of token ids padded with id 0 to {@code seqLen}; the second half of each row is
     * segment 1 so token types matter.
     */
    static EncoderInput batch(int seqLen, int[]... rows) {
        int batch = rows.length;
        int[] ids = new int[batch * seqLen];
        int[] types = new int[batch * seqLen];
        int[] mask = new int[batch * seqLen];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < rows[b].length; t++) {
                ids[b * seqLen + t] = rows[b][t];
                types[b * seqLen + t] = t >= rows[b].length / 2 ? 1 : 0;
                mask[b * seqLen + t] = 1;
            }
        }
        return new EncoderInput(batch, seqLen, ids, types, mask);
    }

    static EncoderInput sample(int seqLen) {
        return batch(seqLen, new int[] {2, 7, 9, 4, 11}, new int[] {2, 5, 3}, new int[] {2, 8, 8, 21, 6, 13, 3});
    }
}
