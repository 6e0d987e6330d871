package dev.distillery.model;

import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Our BERT and DistilBERT classifiers against PyTorch re-implementations of the Hugging Face
 * modules (scripts/fixtures/make_bert_fixture.py), on a padded batch with token types.
 */
class HuggingFaceFixtureTest {
    /**
     * Forward values: FP32 on both sides, differing only in summation order and erf/exp/tanh
     * approximations, through two layers and four LayerNorms; 1e-5 absolute on values of order 1.
     */
    private static final double FORWARD_RTOL = 1e-5;
    private static final double FORWARD_ATOL = 1e-5;
    /**
     * Gradients pass through every layer backwards, and LayerNorm backward (rstd-scaled
     * differences of sums) amplifies rounding; 1e-4 relative and absolute on gradients of order
     * 0.01–1 still catches any wrong term, which shows up at order 1e-2.
     */
    private static final double GRAD_RTOL = 1e-4;
    private static final double GRAD_ATOL = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"bert", "distilbert"})
    void forwardMatchesPyTorch(String family) {
        Fixture f = Fixture.load(family);
        SequenceClassifier model = SequenceClassifier.create(f.config(), 7);
        model.loadWeights(f.weights());
        String what = family + " fixture " + f.header() + " (" + Fixture.REGENERATE + ")";
        Tensor hidden = model.lastHiddenState(f.input());
        assertEquals(java.util.Arrays.toString(f.tensor("last_hidden_state").shape()),
                java.util.Arrays.toString(hidden.shape()), what);
        assertClose(f.tensor("last_hidden_state").data(), hidden.data(), FORWARD_RTOL, FORWARD_ATOL,
                "last hidden state of " + what);
        java.util.List<float[]> states = model.backbone().hiddenStates(f.input());
        assertEquals(f.root().get("hidden_states").size(), states.size(), "number of hidden states of " + what);
        for (int i = 0; i < states.size(); i++) {
            assertClose(f.tensor(f.root().get("hidden_states").get(i)).data(), states.get(i), FORWARD_RTOL,
                    FORWARD_ATOL, "hidden state " + i + " of " + what);
        }
        assertClose(f.tensor("mean_pooled").data(), model.meanPooled(f.input()), FORWARD_RTOL, FORWARD_ATOL,
                "mean pooling of " + what);
        float[] logits = f.tensor("logits").data();
        assertClose(logits, model.logits(f.input()), FORWARD_RTOL, FORWARD_ATOL, "logits of " + what);
        int labels = f.config().numLabels();
        float[] probs = new float[logits.length];
        for (int b = 0; b < f.input().batch(); b++) {
            double sum = 0;
            for (int j = 0; j < labels; j++) {
                sum += Math.exp(logits[b * labels + j]);
            }
            for (int j = 0; j < labels; j++) {
                probs[b * labels + j] = (float) (Math.exp(logits[b * labels + j]) / sum);
            }
        }
        assertClose(probs, model.probabilities(f.input()), FORWARD_RTOL, FORWARD_ATOL, "probabilities of " + what);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert", "distilbert"})
    void lossAndEveryGradientMatchPyTorch(String family) {
        Fixture f = Fixture.load(family);
        SequenceClassifier model = SequenceClassifier.create(f.config(), 7);
        model.loadWeights(f.weights());
        String what = family + " fixture (" + Fixture.REGENERATE + ")";
        SequenceClassifier.TrainingStep step = model.forwardTrain(f.input(), f.labels(), null, null);
        assertClose(new float[] {f.scalar("loss")}, new float[] {step.loss()}, FORWARD_RTOL, FORWARD_ATOL,
                "loss of " + what);
        assertClose(f.tensor("logits").data(), step.logits(), FORWARD_RTOL, FORWARD_ATOL, "training logits of " + what);
        float weighted = model.forwardTrain(f.input(), f.labels(), f.classWeights(), null).loss();
        assertClose(new float[] {f.scalar("loss_weighted")}, new float[] {weighted}, FORWARD_RTOL, FORWARD_ATOL,
                "class-weighted loss of " + what);

        model.backward(step);
        assertEquals(f.grads().keySet(), model.weights().keySet(), "parameter names of " + what);
        for (Parameter p : model.parameters()) {
            assertClose(f.grads().get(p.name()).data(), p.grad().data(), GRAD_RTOL, GRAD_ATOL,
                    "gradient of " + p.name() + " in " + what);
        }
    }
}
