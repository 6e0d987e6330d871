package dev.distillery.spark;

import dev.distillery.classify.BatchInference;
import dev.distillery.classify.Classifier;
import dev.distillery.model.TokenizedExamples;

import java.util.List;

/** Raw logits of texts a classifier's transform was applied to, at a chosen token length. */
final class Scoring {
    private Scoring() {
    }

    /**
     * What {@link Classifier#logitsOfPrepared} computes, at {@code maxLength} tokens per text instead
     * of the manifest's; the same bits at the manifest's length.
     *
     * @param maxLength tokens per text including [CLS] and [SEP]; 0 for the manifest's
     * @return {@code [texts, labels]}
     */
    static float[] logits(Classifier c, List<String> prepared, int maxLength) {
        int length = tokens(c, maxLength);
        int[][] ids = new int[prepared.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = c.tokenizer().encode(prepared.get(i), length).ids();
        }
        TokenizedExamples examples = new TokenizedExamples("partition", ids, null, new int[ids.length], c.labels().size(),
                c.tokenizer().padId());
        return BatchInference.logits(c.frozen(), examples, Classifier.DEFAULT_BATCH_SIZE);
    }

    /** {@code maxLength}, or the manifest's for 0, checked against the model's positions. */
    static int tokens(Classifier c, int maxLength) {
        int length = maxLength == 0 ? c.maxLength() : maxLength;
        if (length < 3 || length > c.config().maxPositions()) {
            throw new IllegalArgumentException("max length " + maxLength + " is outside [3, " + c.config().maxPositions()
                    + "], the positions of the model (0 takes its manifest's " + c.maxLength() + ")");
        }
        return length;
    }
}
