package dev.distillery.train;

import dev.distillery.classify.BatchInference;
import dev.distillery.eval.Metrics;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;
import dev.distillery.testing.Synthetic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    private static final TokenizedExamples TRAIN = Synthetic.examples("synthetic-train", 40, 1);
    private static final TokenizedExamples VALIDATION = Synthetic.examples("synthetic-validation", 24, 2);

    /** Dropout, accumulation with a short last group (5 batches per epoch), clipping, warm-up and decay all on. */
    private static TrainOptions options() {
        return new TrainOptions(3, 8, 2, 3e-3, 0.2, 0.01, 1.0, 1234, 0, 2, 1, 16);
    }

    private static final class Crash extends RuntimeException {
        Crash() {
            super("simulated crash");
        }
    }

    @Test
    void sameSeedGivesBitIdenticalWeightsAndAnotherSeedDoesNot() {
        SequenceClassifier a = Synthetic.model(0.1f, 7);
        SequenceClassifier b = Synthetic.model(0.1f, 7);
        SequenceClassifier c = Synthetic.model(0.1f, 7);
        TrainingResult ra = new Trainer(a, TRAIN, VALIDATION, options(), LossFunction.crossEntropy(null)).fit();
        TrainingResult rb = new Trainer(b, TRAIN, VALIDATION, options(), LossFunction.crossEntropy(null)).fit();
        new Trainer(c, TRAIN, VALIDATION, options().withSeed(99), LossFunction.crossEntropy(null)).fit();
        assertSameWeights(a, b);
        assertEquals(ra, rb);
        assertFalse(sameWeights(a, c), "another seed changes data order and dropout, so the weights");
    }

    @Test
    void resumingAfterACrashMidEpochReachesTheUninterruptedWeights(@TempDir Path dir) {
        LossFunction weighted = LossFunction.crossEntropy(new float[] {1.0f, 2.5f});
        SequenceClassifier uninterrupted = Synthetic.model(0.1f, 7);
        TrainingResult expected = new Trainer(uninterrupted, TRAIN, VALIDATION, options(), weighted)
                .checkpointDir(dir.resolve("a")).fit();

        // 5 micro-batches per epoch in groups of 2 make steps 1-3 in epoch 1 and 4-6 in epoch 2; checkpoints
        // come every 2 steps, so a crash after step 5 resumes from step 4, inside epoch 2, and redoes step 5
        SequenceClassifier crashed = Synthetic.model(0.1f, 7);
        Path b = dir.resolve("b");
        Trainer first = new Trainer(crashed, TRAIN, VALIDATION, options(), weighted).checkpointDir(b)
                .listener(new TrainingListener() {
                    @Override
                    public void stepDone(long step, double learningRate, float gradNorm) {
                        if (step == 5) {
                            throw new Crash();
                        }
                    }
                });
        assertThrows(Crash.class, first::fit);
        TrainerState saved = CheckpointFile.read(b.resolve(Trainer.LAST)).state();
        assertEquals(1, saved.epoch(), "the checkpoint is in the second epoch");
        assertEquals(2, saved.nextBatch(), "... after its first optimizer step of two micro-batches");
        assertEquals(4, saved.optimizerSteps());

        // a fresh process: another initialisation, which the checkpoint must overwrite
        SequenceClassifier resumed = Synthetic.model(0.1f, 8);
        TrainingResult actual = new Trainer(resumed, TRAIN, VALIDATION, options(), weighted).checkpointDir(b).resume();
        assertSameWeights(uninterrupted, resumed);
        assertEquals(expected, actual);
        assertSameTensors(CheckpointFile.read(dir.resolve("a").resolve(Trainer.BEST)).weights(),
                CheckpointFile.read(b.resolve(Trainer.BEST)).weights());
    }

    @Test
    void resumingAtAnEpochBoundaryAlsoMatches(@TempDir Path dir) {
        TrainOptions o = options().withCheckpointEverySteps(0);
        SequenceClassifier uninterrupted = Synthetic.model(0.1f, 7);
        new Trainer(uninterrupted, TRAIN, VALIDATION, o, LossFunction.crossEntropy(null)).fit();
        SequenceClassifier crashed = Synthetic.model(0.1f, 7);
        Trainer first = new Trainer(crashed, TRAIN, VALIDATION, o, LossFunction.crossEntropy(null)).checkpointDir(dir)
                .listener(new TrainingListener() {
                    @Override
                    public void epochDone(EpochSummary s) {
                        if (s.epoch() == 2) {
                            throw new Crash();
                        }
                    }
                });
        assertThrows(Crash.class, first::fit);
        SequenceClassifier resumed = Synthetic.model(0.1f, 8);
        new Trainer(resumed, TRAIN, VALIDATION, o, LossFunction.crossEntropy(null)).checkpointDir(dir).resume();
        assertSameWeights(uninterrupted, resumed);
    }

    @Test
    void learnsATokenPresenceTask() {
        SequenceClassifier model = Synthetic.model(0.0f, 3);
        TokenizedExamples train = Synthetic.examples("train", 256, 11);
        TrainOptions o = new TrainOptions(8, 16, 1, 1e-2, 0.1, 0.01, 1.0, 5, 0, 0, 1, 64);
        TrainingResult r = new Trainer(model, train, VALIDATION, o, LossFunction.crossEntropy(null)).fit();
        float[] logits = BatchInference.logits(model, VALIDATION, 16);
        double accuracy = Metrics.accuracy(VALIDATION.labels(), BatchInference.argmax(logits, 2));
        // chance is 0.5; a working loop learns the one-token rule almost perfectly
        assertTrue(accuracy >= 0.9, "validation accuracy " + accuracy + " after " + r.epochs());
        assertTrue(r.epochs().getLast().trainLoss() < r.epochs().getFirst().trainLoss() / 2, r.epochs().toString());
    }

    @Test
    void earlyStoppingEndsAfterPatienceEpochsWithoutImprovement() {
        // with learning rate 0 the score never changes: epoch 1 sets the best, then 2 epochs without improvement
        TrainOptions o = options().withEpochs(6).withLearningRate(0).withPatience(2);
        TrainingResult r = new Trainer(Synthetic.model(0.1f, 7), TRAIN, VALIDATION, o, LossFunction.crossEntropy(null))
                .fit();
        assertEquals(3, r.epochs().size());
        assertTrue(r.stoppedEarly());
        assertEquals(1, r.bestEpoch());
    }

    @Test
    void theModelEndsWithTheBestEpochsWeights(@TempDir Path dir) {
        // learn the task for two epochs, then learn the opposite labels: validation F1 falls, so the best
        // epoch is an early one and the last weights must be replaced
        AtomicInteger epoch = new AtomicInteger();
        LossFunction honest = LossFunction.crossEntropy(null);
        LossFunction sabotage = (logits, numLabels, rows, labels) -> {
            int[] used = labels.clone();
            if (epoch.get() > 2) {
                for (int i = 0; i < used.length; i++) {
                    used[i] = 1 - used[i];
                }
            }
            return honest.compute(logits, numLabels, rows, used);
        };
        List<Map<String, float[]>> atEpochEnd = new ArrayList<>();
        SequenceClassifier model = Synthetic.model(0.0f, 3);
        TrainOptions o = new TrainOptions(5, 16, 1, 1e-2, 0.0, 0.0, 1.0, 5, 0, 0, 1, 64);
        TrainingResult r = new Trainer(model, Synthetic.examples("train", 128, 11), VALIDATION, o, sabotage)
                .checkpointDir(dir)
                .listener(new TrainingListener() {
                    @Override
                    public void epochStarted(int e, int epochs, int batches, int firstBatch, int examples) {
                        epoch.set(e);
                    }

                    @Override
                    public void epochDone(EpochSummary s) {
                        atEpochEnd.add(copy(model));
                    }
                }).fit();
        assertTrue(r.bestEpoch() < 5, "the sabotaged epochs must not be best: " + r.epochs());
        assertEquals(r.epochs().get(r.bestEpoch() - 1).score(), r.bestScore());
        Map<String, float[]> best = atEpochEnd.get(r.bestEpoch() - 1);
        for (Parameter p : model.parameters()) {
            assertArrayEquals(best.get(p.name()), p.data(), p.name());
        }
        assertSameTensors(model.weights(), CheckpointFile.read(dir.resolve(Trainer.BEST)).weights());
        double f1 = Metrics.binary(VALIDATION.labels(), BatchInference.argmax(BatchInference.logits(model, VALIDATION, 8), 2),
                1, 2).f1();
        assertEquals(r.bestScore(), f1, 0.0, "the same predictions give the same F1");
    }

    @Test
    void withoutValidationTheModelKeepsItsLastWeights() {
        SequenceClassifier model = Synthetic.model(0.1f, 7);
        List<Map<String, float[]>> atEpochEnd = new ArrayList<>();
        TrainingResult r = new Trainer(model, TRAIN, null, options().withPatience(1), LossFunction.crossEntropy(null))
                .listener(new TrainingListener() {
                    @Override
                    public void epochDone(EpochSummary s) {
                        atEpochEnd.add(copy(model));
                    }
                }).fit();
        assertEquals(0, r.bestEpoch());
        assertEquals(3, r.epochs().size(), "no validation, no early stopping");
        assertTrue(Double.isNaN(r.epochs().getLast().score()));
        for (Parameter p : model.parameters()) {
            assertArrayEquals(atEpochEnd.getLast().get(p.name()), p.data(), p.name());
        }
    }

    @Test
    void gradientAccumulationMatchesOneLargeBatch() {
        SequenceClassifier model = Synthetic.model(0.0f, 3);
        int[] all = {0, 1, 2, 3, 4, 5, 6, 7};
        Trainer.backwardBatch(model, TRAIN, all, LossFunction.crossEntropy(null), 1f, null);
        Map<String, float[]> whole = grads(model);
        model.parameters().forEach(Parameter::zeroGrad);
        Trainer.backwardBatch(model, TRAIN, new int[] {0, 1, 2, 3}, LossFunction.crossEntropy(null), 0.5f, null);
        Trainer.backwardBatch(model, TRAIN, new int[] {4, 5, 6, 7}, LossFunction.crossEntropy(null), 0.5f, null);
        for (Parameter p : model.parameters()) {
            // the two halves are padded to other lengths and summed in another order: float rounding only
            assertClose(whole.get(p.name()), p.grad().data(), 1e-4, 1e-7, p.name());
        }
    }

    @Test
    void resumeRefusesOtherOptionsAndMissingCheckpoints(@TempDir Path dir) {
        Trainer none = new Trainer(Synthetic.model(0.1f, 7), TRAIN, VALIDATION, options(), LossFunction.crossEntropy(null))
                .checkpointDir(dir);
        CheckpointException missing = assertThrows(CheckpointException.class, none::resume);
        assertTrue(missing.getMessage().contains(Trainer.LAST), missing.getMessage());

        new Trainer(Synthetic.model(0.1f, 7), TRAIN, VALIDATION, options().withEpochs(1), LossFunction.crossEntropy(null))
                .checkpointDir(dir).fit();
        CheckpointException other = assertThrows(CheckpointException.class, none::resume);
        assertTrue(other.getMessage().contains("Resume with the same options"), other.getMessage());
        Trainer otherData = new Trainer(Synthetic.model(0.1f, 7), Synthetic.examples("other", 40, 5), VALIDATION,
                options().withEpochs(1), LossFunction.crossEntropy(null)).checkpointDir(dir);
        CheckpointException data = assertThrows(CheckpointException.class, otherData::resume);
        assertTrue(data.getMessage().contains("other training data"), data.getMessage());
    }

    @Test
    void batchInferenceReturnsEachExamplesOwnLogits() {
        SequenceClassifier model = Synthetic.model(0.1f, 3);
        float[] batched = BatchInference.logits(model, VALIDATION, 5);
        for (int i = 0; i < VALIDATION.size(); i++) {
            float[] alone = model.logits(VALIDATION.pad(new int[] {i}));
            float[] row = java.util.Arrays.copyOfRange(batched, 2 * i, 2 * i + 2);
            // padding is masked out; only the summation length of the padded rows differs
            assertClose(alone, row, 1e-5, 1e-6, "logits of example " + i);
        }
    }

    @Test
    void dropoutIsDrawnInTrainingOnly() {
        SequenceClassifier model = Synthetic.model(0.5f, 3);
        int[] rows = {0, 1, 2};
        float first = Trainer.backwardBatch(model, TRAIN, rows, LossFunction.crossEntropy(null), 1f, new SplittableRandom(1));
        float second = Trainer.backwardBatch(model, TRAIN, rows, LossFunction.crossEntropy(null), 1f, new SplittableRandom(2));
        assertTrue(first != second, "two dropout draws give two losses");
        assertArrayEquals(BatchInference.logits(model, TRAIN, 4), BatchInference.logits(model, TRAIN, 4),
                "evaluation is deterministic");
    }

    private static Map<String, float[]> grads(SequenceClassifier model) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        for (Parameter p : model.parameters()) {
            out.put(p.name(), p.grad().data().clone());
        }
        return out;
    }

    private static Map<String, float[]> copy(SequenceClassifier model) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        for (Parameter p : model.parameters()) {
            out.put(p.name(), p.data().clone());
        }
        return out;
    }

    private static boolean sameWeights(SequenceClassifier a, SequenceClassifier b) {
        for (int i = 0; i < a.parameters().size(); i++) {
            if (!java.util.Arrays.equals(a.parameters().get(i).data(), b.parameters().get(i).data())) {
                return false;
            }
        }
        return true;
    }

    /** Bit for bit: the same float operations in the same order. */
    private static void assertSameWeights(SequenceClassifier expected, SequenceClassifier actual) {
        for (int i = 0; i < expected.parameters().size(); i++) {
            Parameter e = expected.parameters().get(i);
            assertArrayEquals(e.data(), actual.parameters().get(i).data(), e.name());
        }
    }

    private static void assertSameTensors(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, t) -> assertArrayEquals(t.data(), actual.get(name).data(), name));
    }
}
