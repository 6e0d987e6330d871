package dev.distillery.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.nn.Parameter;
import dev.distillery.quant.QuantScheme;
import dev.distillery.tensor.Tensor;
import dev.distillery.train.AdamW;
import dev.distillery.train.CheckpointFile;
import dev.distillery.train.EpochSummary;
import dev.distillery.train.GradientClipping;
import dev.distillery.train.LossFunction;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.Trainer;
import dev.distillery.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FakeQuantizationTest {
    private static final int VOCAB = 40;

    /** ggml Q4_0: 4-bit codes in blocks of 32, coarse enough that fake quantization moves every weight visibly. */
    static final UnaryOperator<Tensor> Q4_0 = FakeQuantization.roundTrip(QuantScheme.Q4_0);

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
        FakeQuantization fq = new FakeQuantization(trained, FakeQuantization.packedBy(trained.config(), QuantScheme.Q4_0), Q4_0);
        new Trainer(trained, data, null, options, LossFunction.crossEntropy(null)).weightProxy(fq).fit();

        // by hand: forward and backward at dequantize(quantize(W)), then AdamW on the FP32 masters with those gradients
        SequenceClassifier manual = tinyModel();
        Map<String, float[]> masters = new HashMap<>();
        for (Parameter p : manual.parameters()) {
            if (FakeQuantization.packedBy(manual.config(), QuantScheme.Q4_0).test(p)) {
                masters.put(p.name(), p.data().clone());
                System.arraycopy(Q4_0.apply(p.value().copy()).data(), 0, p.data(), 0, p.data().length);
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

        assertEquals(14, fq.names().size(), "Q, K, V, O, intermediate and output of 2 layers, word and position embeddings");
        assertTrue(fq.names().contains("bert.embeddings.word_embeddings.weight") && !fq.names().contains("classifier.weight")
                && !fq.names().contains("bert.pooler.dense.weight"), fq.names().toString());
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
    void validationScoresTheQuantizedStudentWhileCheckpointsKeepTheMasters(@TempDir Path dir) {
        SplittableRandom rng = new SplittableRandom(4);
        int[][] ids = new int[16][];
        int[] labels = new int[ids.length];
        for (int r = 0; r < ids.length; r++) {
            ids[r] = new int[4 + rng.nextInt(8)];
            for (int i = 0; i < ids[r].length; i++) {
                ids[r][i] = 5 + rng.nextInt(VOCAB - 5);
            }
            labels[r] = r % 2;
        }
        TokenizedExamples data = new TokenizedExamples("sixteen", ids, null, labels, 2, 0);
        TrainOptions options = oneStep().withBatchSize(4).withEpochs(2).withCheckpointEverySteps(3);
        SequenceClassifier model = tinyModel();
        FakeQuantization fq = new FakeQuantization(model, FakeQuantization.packedBy(model.config(), QuantScheme.Q4_0), Q4_0);
        List<EpochSummary> epochs = new ArrayList<>();
        new Trainer(model, data, data, options, LossFunction.crossEntropy(null)).weightProxy(fq).checkpointDir(dir)
                .listener(new TrainingListener() {
                    @Override
                    public void epochDone(EpochSummary s) {
                        epochs.add(s);
                    }
                }).fit();
        Map<String, Tensor> saved = CheckpointFile.read(dir.resolve(Trainer.LAST)).weights();
        for (Parameter p : model.parameters()) {
            // the last epoch ends the run, so unless the first was better the model holds the last checkpoint's masters
            if (epochs.getLast().improved()) {
                assertArrayEquals(saved.get(p.name()).data(), p.data(), p.name());
            }
        }
        int best = epochs.getLast().improved() ? 1 : 0;
        fq.apply();
        EpochSummary quantized = Trainer.validate(model, data, options);
        fq.restore();
        EpochSummary master = Trainer.validate(model, data, options);
        // the best epoch's validation ran on exactly these fake-quantized weights: the same numbers
        assertEquals(epochs.get(best).validationLoss(), quantized.validationLoss(), 0.0);
        assertFalse(master.validationLoss() == quantized.validationLoss(), "the masters score differently");
    }

    @Test
    void applyAndRestoreAlternate() {
        SequenceClassifier model = tinyModel();
        FakeQuantization fq = new FakeQuantization(model, FakeQuantization.packedBy(model.config(), QuantScheme.Q4_0), Q4_0);
        String query = "bert.encoder.layer.0.attention.self.query.weight";
        float[] before = weight(model, query).clone();
        float[] head = weight(model, "classifier.weight").clone();
        fq.apply();
        float[] seen = weight(model, query).clone();
        assertArrayEquals(Q4_0.apply(Tensor.of(before, 32, 32)).data(), seen);
        assertFalse(java.util.Arrays.equals(before, seen));
        assertArrayEquals(head, weight(model, "classifier.weight"), "the head stays FP32, as quantize leaves it");
        fq.restore();
        assertArrayEquals(before, weight(model, query));
        assertThrows(IllegalStateException.class, fq::restore);
        fq.apply();
        assertThrows(IllegalStateException.class, fq::apply);
    }

    @Test
    void fakeQuantizedWeightsEqualTheIndependentReferenceDequantization() throws IOException {
        JsonNode doc;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/quant-v1.json")) {
            assertNotNull(in, "quant-v1.json is missing; regenerate it with scripts/fixtures/make_quant_fixture.py");
            doc = new ObjectMapper().readTree(in);
        }
        int compared = 0;
        for (JsonNode t : doc.get("tensors")) {
            Tensor w = Tensor.of(floats(t.get("values")), t.at("/shape/0").asInt(), t.at("/shape/1").asInt());
            for (QuantScheme scheme : List.of(QuantScheme.INT8, QuantScheme.INT8_CHANNEL, QuantScheme.NF4, QuantScheme.NF4_DQ)) {
                JsonNode expected = t.at("/" + scheme.id().replace('-', '_') + "/dequantized");
                if (expected.isMissingNode()) {
                    continue;
                }
                float[] actual = FakeQuantization.roundTrip(scheme).apply(w).data();
                float[] reference = floats(expected);
                // numpy computed the same integer and float32 steps, so any difference is a bug: compare bits
                for (int i = 0; i < reference.length; i++) {
                    assertEquals(Float.floatToRawIntBits(reference[i]), Float.floatToRawIntBits(actual[i]),
                            t.get("name").asText() + " " + scheme + " element " + i);
                }
                compared++;
            }
        }
        assertEquals(5 * 4, compared, "every fixture tensor with dequantized values, in each scheme that has them");
    }

    @Test
    void applyPutsTheRoundTripOfEveryPackedWeightInTheModel() {
        SequenceClassifier model = tinyModel();
        UnaryOperator<Tensor> nf4dq = FakeQuantization.roundTrip(QuantScheme.NF4_DQ);
        Map<String, float[]> masters = new HashMap<>();
        for (Parameter p : model.parameters()) {
            masters.put(p.name(), p.data().clone());
        }
        FakeQuantization fq = new FakeQuantization(model, FakeQuantization.packedBy(model.config(), QuantScheme.NF4_DQ), nf4dq);
        fq.apply();
        for (Parameter p : model.parameters()) {
            float[] expected = fq.names().contains(p.name())
                    ? QuantScheme.NF4_DQ.quantize(masters.get(p.name()), p.value().dim(0), p.value().dim(1)).dequantize()
                    : masters.get(p.name());
            assertArrayEquals(expected, p.data(), p.name());
        }
        fq.restore();
        for (Parameter p : model.parameters()) {
            assertArrayEquals(masters.get(p.name()), p.data(), p.name());
        }
    }

    private static float[] floats(JsonNode base64) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(base64.asText())).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
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
