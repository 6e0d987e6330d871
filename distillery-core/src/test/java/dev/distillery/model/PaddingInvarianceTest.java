package dev.distillery.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static dev.distillery.testing.Numerics.assertClose;

/** A sequence's outputs must not depend on how much padding its batch adds. */
class PaddingInvarianceTest {
    /**
     * Padded keys get exactly zero probability, so only the summation length of the kernels
     * changes; vectorised kernels may then round differently, by a few ulps of values of order 1.
     */
    private static final double RTOL = 1e-5;
    private static final double ATOL = 1e-6;

    @ParameterizedTest
    @ValueSource(strings = {"bert", "distilbert"})
    void morePaddingChangesNothing(String family) {
        SequenceClassifier model = SequenceClassifier.create(TinyModels.config(family, 0.1f), 21);
        EncoderInput tight = TinyModels.sample(7);
        EncoderInput loose = TinyModels.sample(13);
        assertClose(model.logits(tight), model.logits(loose), RTOL, ATOL, family + " logits");
        assertClose(model.meanPooled(tight), model.meanPooled(loose), RTOL, ATOL, family + " mean pooling");
        float[] h7 = model.lastHiddenState(tight).data();
        float[] h13 = model.lastHiddenState(loose).data();
        int hidden = model.config().hiddenSize();
        for (int b = 0; b < tight.batch(); b++) {
            int n = tight.length(b) * hidden;
            assertClose(Arrays.copyOfRange(h7, b * 7 * hidden, b * 7 * hidden + n),
                    Arrays.copyOfRange(h13, b * 13 * hidden, b * 13 * hidden + n), RTOL, ATOL,
                    family + " hidden states of the real tokens of row " + b);
        }
        // Alone in a batch of one, a row must give what it gave in the padded batch.
        EncoderInput alone = TinyModels.batch(3, new int[] {2, 5, 3});
        assertClose(Arrays.copyOfRange(model.logits(tight), 3, 6), model.logits(alone), RTOL, ATOL,
                family + " logits of row 1 without batch-mates");
    }
}
