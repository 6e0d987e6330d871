package dev.distillery.model;

import dev.distillery.nn.GradCheck;
import dev.distillery.nn.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static dev.distillery.nn.GradCheck.project;
import static dev.distillery.nn.GradCheck.projection;
import static dev.distillery.nn.GradCheck.randomArray;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Whole-model and loss gradients against finite differences (tolerances in {@link GradCheck}),
 * in training mode: dropout paths are covered here, the PyTorch fixture covers dropout off.
 */
class ModelGradientTest {

    @ParameterizedTest
    @ValueSource(strings = {"bert", "distilbert"})
    void classifierWithDropoutAndClassWeights(String family) {
        SequenceClassifier model = SequenceClassifier.create(TinyModels.config(family, 0.1f), 3);
        GradCheck.randomise(model.parameters(), 0.4, 4);
        EncoderInput input = TinyModels.sample(7);
        int[] labels = {1, 0, 2};
        float[] classWeights = {0.5f, 2f, 1f};
        java.util.function.Supplier<Double> loss = () ->
                (double) model.forwardTrain(input, labels, classWeights, new SplittableRandom(11)).loss();
        model.backward(model.forwardTrain(input, labels, classWeights, new SplittableRandom(11)));
        int checked = 0;
        for (Parameter p : model.parameters()) {
            GradCheck.checkSample(family + " " + p.name(), p.data(), p.grad().data(), loss, 6, p.name().hashCode());
            checked++;
        }
        assertEquals(model.parameters().size(), checked);
    }

    @Test
    void dropoutIsSeededAndOnlyInTraining() {
        SequenceClassifier model = SequenceClassifier.create(TinyModels.config("bert", 0.3f), 3);
        EncoderInput input = TinyModels.sample(7);
        float[] a = model.forwardTrain(input, new SplittableRandom(1)).logits();
        float[] b = model.forwardTrain(input, new SplittableRandom(1)).logits();
        float[] c = model.forwardTrain(input, new SplittableRandom(2)).logits();
        assertArrayEquals(a, b, "same seed, same dropout masks");
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c), "another seed drops other units");
        assertArrayEquals(model.logits(input), model.forwardTrain(input, null).logits(),
                "without a generator the training forward is the evaluation forward");
    }

    @Test
    void crossEntropyWithClassWeights() {
        float[] logits = randomArray(4 * 3, 2.0, 1);
        int[] labels = {0, 2, 2, 1};
        float[] w = {0.5f, 2f, 1f};
        CrossEntropy.Loss loss = CrossEntropy.compute(logits, labels, 3, w);
        GradCheck.check("cross-entropy", logits, loss.dLogits(),
                () -> (double) CrossEntropy.compute(logits, labels, 3, w).value());
        // Uniform logits: every example's loss is log 3, whatever the weights.
        assertEquals(Math.log(3), CrossEntropy.compute(new float[12], labels, 3, w).value(), 1e-6);
    }

    @Test
    void meanPoolingBackward() {
        EncoderInput input = TinyModels.sample(7);
        int dim = 4;
        float[] hidden = randomArray(input.batch() * input.seqLen() * dim, 1.0, 2);
        double[] c = projection(input.batch() * dim, 3);
        float[] dPooled = new float[c.length];
        for (int i = 0; i < c.length; i++) {
            dPooled[i] = (float) c[i];
        }
        GradCheck.check("mean pooling", hidden, MeanPooling.backward(dPooled, input, dim),
                () -> project(MeanPooling.forward(hidden, input, dim), c));
    }

    @Test
    void encoderBackwardFromMeanPooledLoss() {
        Encoder encoder = Encoder.create(TinyModels.config("bert", 0f), 5);
        GradCheck.randomise(encoder.parameters(), 0.4, 6);
        EncoderInput input = TinyModels.sample(7);
        double[] c = projection(input.batch() * 8, 7);
        float[] dPooled = new float[c.length];
        for (int i = 0; i < c.length; i++) {
            dPooled[i] = (float) c[i];
        }
        Encoder.Trace t = encoder.forwardTrain(input, null);
        encoder.backward(t, MeanPooling.backward(dPooled, input, 8));
        for (Parameter p : encoder.parameters()) {
            GradCheck.checkSample("encoder " + p.name(), p.data(), p.grad().data(),
                    () -> project(encoder.meanPooled(input), c), 4, p.name().hashCode());
        }
    }

    @Test
    void gradientsOnIntermediateHiddenStates() {
        Encoder encoder = Encoder.create(TinyModels.config("distilbert", 0f), 8);
        GradCheck.randomise(encoder.parameters(), 0.4, 9);
        EncoderInput input = TinyModels.sample(7);
        int n = input.batch() * input.seqLen() * 8;
        double[] c0 = projection(n, 10);
        double[] c1 = projection(n, 11);
        Encoder.Trace t = encoder.forwardTrain(input, null);
        assertArrayEquals(encoder.hiddenStates(input).get(1), t.hiddenStates().get(1), "first layer output");
        java.util.List<float[]> dStates = new java.util.ArrayList<>(java.util.Arrays.asList(null, null, null));
        dStates.set(0, GradCheck.toFloat(c0));
        dStates.set(1, GradCheck.toFloat(c1));
        encoder.backward(t, null, dStates, null);
        java.util.function.Supplier<Double> loss = () -> {
            java.util.List<float[]> states = encoder.hiddenStates(input);
            return project(states.get(0), c0) + project(states.get(1), c1);
        };
        for (Parameter p : encoder.parameters()) {
            GradCheck.checkSample("hidden-state loss " + p.name(), p.data(), p.grad().data(), loss, 4,
                    p.name().hashCode());
        }
        for (Parameter p : encoder.parameters()) {
            if (p.name().startsWith("transformer.layer.1.")) {
                assertArrayEquals(new float[p.data().length], p.grad().data(), p.name() + " is after both states");
            }
        }
    }
}
