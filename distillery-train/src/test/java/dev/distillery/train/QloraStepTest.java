package dev.distillery.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.data.LengthBatches;
import dev.distillery.lora.FrozenBase;
import dev.distillery.lora.LoraConfig;
import dev.distillery.lora.LoraModels;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.TokenSequences;
import dev.distillery.nn.Parameter;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * QLoRA through the Trainer, repeated by hand: on stories260K held as NF4 with double
 * quantization, two optimizer steps of {@link Trainer} over {@link CausalLmTask} (adapter dropout
 * on, gradient checkpointing on) leave every adapter weight with the same bits as the steps written
 * out: the batches and dropout streams the Trainer derives from the seed, the padded forward pass,
 * the next-token loss, the backward pass through the packed 4-bit weights, global-norm clipping and
 * AdamW at the scheduled learning rate. Nothing of the base trains.
 */
class QloraStepTest {
    private static final LoraConfig LORA = new LoraConfig(4, 8f, 0.1f, List.of("q", "k", "v", "o", "gate", "up", "down"),
            LoraConfig.Bias.NONE);
    private static final long SEED = 11;
    /** Four short stories from tok512, BOS first, EOS (2) last, of three lengths so batches pad. */
    private static final List<int[]> IDS = List.of(
            new int[] {1, 403, 407, 261, 378, 432, 274, 287, 394, 261, 259, 388, 2},
            new int[] {1, 403, 407, 261, 378, 432, 317, 394, 261, 262, 423, 388, 280, 294, 426, 2},
            new int[] {1, 317, 286, 399, 393, 269, 337, 266, 261, 306, 328, 426, 2},
            new int[] {1, 274, 287, 286, 399, 393, 2});

    @TempDir
    static Path tmp;

    /** stories260K copied out of distillery-core's test jar. */
    static Path stories() throws Exception {
        Path dir = tmp.resolve("stories260K");
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            for (String f : new String[] {"stories260K.bin", "tok512.bin"}) {
                try (InputStream in = QloraStepTest.class.getResourceAsStream("/llama2c/stories260K/" + f)) {
                    Files.copy(in, dir.resolve(f));
                }
            }
        }
        return dir;
    }

    private static TrainOptions options() {
        // no warm-up so the first step moves the weights; two steps of two examples
        return TrainOptions.defaults().withEpochs(1).withBatchSize(2).withLearningRate(1e-2).withWarmupRatio(0)
                .withSeed(SEED);
    }

    private static CausalLanguageModel model(FrozenBase base) {
        CausalLanguageModel lm = LoraModels.training(base, LORA, SEED);
        lm.decoder().gradientCheckpointing(true);
        return lm;
    }

    @Test
    void twoQloraStepsOfTheTrainerEqualTheStepsWrittenOutBitForBit() throws Exception {
        TokenSequences data = TokenSequences.of("stories", IDS, IDS, 0);
        float[][] trained;
        List<String> names;
        try (FrozenBase base = FrozenBase.load(stories(), "nf4-dq")) {
            CausalLanguageModel lm = model(base);
            names = lm.parameters().stream().map(Parameter::name).toList();
            TrainingResult r = new Trainer(new CausalLmTask(lm, "stories260K nf4-dq", data, null, 8), options()).fit();
            assertEquals(2, r.optimizerSteps());
            trained = lm.parameters().stream().map(p -> p.data().clone()).toArray(float[][]::new);
        }
        assertTrue(names.stream().allMatch(n -> n.endsWith(".lora_A.weight") || n.endsWith(".lora_B.weight")), names.toString());
        assertEquals(5 * 7 * 2, names.size(), "A and B on seven projections of five layers, nothing of the base");

        try (FrozenBase base = FrozenBase.load(stories(), "nf4-dq")) {
            CausalLanguageModel lm = model(base);
            List<Parameter> params = lm.parameters();
            float[][] initial = params.stream().map(p -> p.data().clone()).toArray(float[][]::new);
            TrainOptions o = options();
            AdamW adam = new AdamW(params, AdamW.Options.withWeightDecay(o.weightDecay()), AdamW::biasOrLayerNorm);
            List<int[]> batches = LengthBatches.of(data.lengths(), 2, Trainer.derive(SEED, 0, -1));
            assertEquals(2, batches.size());
            for (int b = 0; b < 2; b++) {
                int[] rows = batches.get(b);
                EncoderInput input = data.pad(rows);
                CausalLanguageModel.Trace t = lm.forwardTrain(input, new SplittableRandom(Trainer.derive(SEED, 0, b)));
                CausalLanguageModel.NextTokenLoss loss = lm.nextTokenLoss(input, t.logits(), data.labels(rows));
                lm.backward(t, loss.dLogits(), null, null);
                GradientClipping.clipGlobalNorm(params, o.maxGradNorm());
                double lr = o.learningRate() * (2 - b) / 2.0; // linear decay from the peak over two steps
                adam.step(lr);
                adam.zeroGrad();
            }
            for (int i = 0; i < params.size(); i++) {
                assertArrayEquals(params.get(i).data(), trained[i], names.get(i) + " after two QLoRA steps");
                assertFalse(Arrays.equals(initial[i], trained[i]), names.get(i) + " moved");
            }
        }
    }

    @Test
    void dropoutAndTheBaseFormatReachTheAdapters() throws Exception {
        // the same steps on the FP32 base give other adapter weights: the 4-bit weights are what the gradient saw
        TokenSequences data = TokenSequences.of("stories", IDS, IDS, 0);
        float[] nf4;
        float[] fp32;
        try (FrozenBase base = FrozenBase.load(stories(), "nf4-dq")) {
            CausalLanguageModel lm = model(base);
            new Trainer(new CausalLmTask(lm, "nf4", data, null, 8), options()).fit();
            nf4 = lm.parameters().get(1).data().clone();
        }
        try (FrozenBase base = FrozenBase.load(stories(), "fp32")) {
            CausalLanguageModel lm = model(base);
            new Trainer(new CausalLmTask(lm, "fp32", data, null, 8), options()).fit();
            fp32 = lm.parameters().get(1).data().clone();
        }
        assertNotEquals(Arrays.toString(nf4), Arrays.toString(fp32));
    }
}
