package dev.distillery.distill;

import dev.distillery.model.SequenceClassifier;
import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;
import dev.distillery.train.AdamW;
import dev.distillery.train.GradientClipping;
import dev.distillery.train.LossFunction;
import dev.distillery.train.TokenizedExamples;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.Trainer;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FakeQuantizationTest {
    private static final int VOCAB = 40;

    /** A coarse symmetric 4-bit grid per tensor (scale max|w|/7), so fake quantization moves every weight visibly. */
    static final UnaryOperator<Tensor> GRID = w -> {
        float max = 0;
        for (float x : w.data()) {
            max = Math.max(max, Math.abs(x));
        }
        float scale = max / 7;
        float[] q = new float[w.size()];
        for (int i = 0; i < q.length; i++) {
            q[i] = scale == 0 ? 0 : Math.round(w.data()[i] / scale) * scale;
        }
        return Tensor.of(q, w.shape());
    };

    static SequenceClassifier tinyModel() {
        // dropout 0, so the Trainer's forward pass draws nothing and the manual one can repeat it exactly
        return SequenceClassifier.create(TinyUrls.config("bert", VOCAB, 32, 2, 64), 5);
    }

    /** One example, so the Trainer's one batch is exactly the manual one (no row order to differ in). */
    static TokenizedExamples oneExample() {
        SplittableRandom rng = new SplittableRandom(9);
        int[] ids = new int[12];
        ids[0] = 2;
        for (int i = 1; i < ids.length - 1; i++) {
            ids[i] = 5 + rng.nextInt(VOCAB - 5);
        }
        ids[ids.length - 1] = 3;
        return new TokenizedExamples("one", new int[][] {ids}, null, new int[] {1}, 2, 0);
    }

    static TrainOptions oneStep() {
        // no warm-up, so the one step has the full rate; clipping and weight decay as the defaults, repeated by hand
        return TrainOptions.defaults().withEpochs(1).withBatchSize(1).withLearningRate(1e-3).withWarmupRatio(0)
                .withPositiveClass(1);
    }

    @Test
    void aQatStepEqualsAManualStraightThroughStep() {
        TokenizedExamples data = oneExample();
        TrainOptions options = oneStep();
        SequenceClassifier trained = tinyModel();
        FakeQuantization fq = new FakeQuantization(trained, FakeQuantization.LINEAR_WEIGHTS, GRID);
        new Trainer(trained, data, null, options, LossFunction.crossEntropy(null)).weightProxy(fq).fit();

        // by hand: forward and backward at dequantize(quantize(W)), then AdamW on the FP32 masters with those gradients
        SequenceClassifier manual = tinyModel();
        Map<String, float[]> masters = new HashMap<>();
        for (Parameter p : manual.parameters()) {
            if (FakeQuantization.LINEAR_WEIGHTS.test(p)) {
                masters.put(p.name(), p.data().clone());
                System.arraycopy(GRID.apply(p.value().copy()).data(), 0, p.data(), 0, p.data().length);
            }
        }
        SequenceClassifier.TrainingStep step = manual.forwardTrain(data.pad(new int[] {0}), data.labels(new int[] {0}), null);
        manual.backward(step);
        for (Parameter p : manual.parameters()) {
            float[] master = masters.get(p.name());
            if (master != null) {
                System.arraycopy(master, 0, p.data(), 0, master.length);
            }
        }
        AdamW adam = new AdamW(manual.parameters(), AdamW.Options.withWeightDecay(options.weightDecay()), AdamW::biasOrLayerNorm);
        GradientClipping.clipGlobalNorm(adam.parameters(), options.maxGradNorm());
        adam.step(options.learningRate());

        assertEquals(14, fq.names().size(), "Q, K, V, O, intermediate and output of 2 layers, pooler and classifier");
        assertTrue(fq.names().contains("classifier.weight") && fq.names().contains("bert.pooler.dense.weight"), fq.names().toString());
        for (Parameter p : manual.parameters()) {
            // the same operations in the same order on one example: the same bits
            assertArrayEquals(p.data(), weight(trained, p.name()), p.name());
        }

        // the control: a plain FP32 step from the same start ends elsewhere, so the comparison above can fail
        SequenceClassifier plain = tinyModel();
        new Trainer(plain, data, null, options, LossFunction.crossEntropy(null)).fit();
        boolean differs = false;
        for (Parameter p : plain.parameters()) {
            differs |= !java.util.Arrays.equals(p.data(), weight(trained, p.name()));
        }
        assertTrue(differs, "gradients at the fake-quantized weights differ from those at the masters");
    }

    @Test
    void theTrainedModelHoldsTheMastersAndValidationSeesTheQuantizedWeights() {
        SequenceClassifier model = tinyModel();
        FakeQuantization fq = new FakeQuantization(model, FakeQuantization.LINEAR_WEIGHTS, GRID);
        float[] before = weight(model, "classifier.weight").clone();
        fq.apply();
        float[] seen = weight(model, "classifier.weight").clone();
        assertArrayEquals(GRID.apply(Tensor.of(before, 2, 32)).data(), seen);
        assertFalse(java.util.Arrays.equals(before, seen));
        fq.restore();
        assertArrayEquals(before, weight(model, "classifier.weight"));
        assertThrows(IllegalStateException.class, fq::restore);
        fq.apply();
        assertThrows(IllegalStateException.class, fq::apply);
    }

    static float[] weight(SequenceClassifier model, String name) {
        for (Parameter p : model.parameters()) {
            if (p.name().equals(name)) {
                return p.data();
            }
        }
        throw new AssertionError("no parameter " + name + " in " + List.of(model.parameters()));
    }
}
