package dev.distillery.distill;

import dev.distillery.classify.BatchInference;
import dev.distillery.data.Dataset;
import dev.distillery.model.CrossEntropy;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.tokenize.WordPieceTokenizer;
import dev.distillery.train.EpochSummary;
import dev.distillery.train.Loss;
import dev.distillery.train.LossFunction;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.Trainer;
import dev.distillery.train.TrainingResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End to end on a tiny BERT teacher fine-tuned on a synthetic URL task. */
class DistillerTest {
    private static final TrainOptions TRAIN = TrainOptions.defaults().withEpochs(4).withBatchSize(16)
            .withLearningRate(1e-2).withWarmupRatio(0.1).withSeed(5);
    @TempDir
    static Path dir;
    private static WordPieceTokenizer tokenizer;
    private static SequenceClassifier teacher;
    private static Dataset train;
    private static Dataset validation;

    @BeforeAll
    static void fineTuneTeacher() throws IOException {
        tokenizer = TinyUrls.tokenizer(dir);
        train = TinyUrls.urls("train", 192, 1);
        validation = TinyUrls.urls("validation", 60, 2);
        teacher = SequenceClassifier.create(TinyUrls.config("bert", tokenizer.vocabSize(), 16, 2, 32), 3);
        new Trainer(teacher, tokenize(train), tokenize(validation), TRAIN.withEpochs(8), LossFunction.crossEntropy(null))
                .fit();
        TokenizedExamples v = tokenize(validation);
        int[] predicted = BatchInference.argmax(BatchInference.logits(teacher, v, 32), 2);
        int right = 0;
        for (int i = 0; i < predicted.length; i++) {
            right += predicted[i] == v.labels()[i] ? 1 : 0;
        }
        // the task is a keyword in the path, so a teacher worth distilling gets nearly all of it
        assertTrue(right >= 0.9 * predicted.length, "teacher accuracy " + right + "/" + predicted.length);
    }

    private static TokenizedExamples tokenize(Dataset d) {
        return new TokenizedExamples(d.name(), d.texts().stream().map(t -> tokenizer.encode(t, 48).ids())
                .toArray(int[][]::new), null, d.labels(), 2, tokenizer.padId());
    }

    private static Distiller distiller(DistillOptions o) {
        return new Distiller(new Distiller.Teacher(teacher, tokenizer), o);
    }

    private static void assertLossDecreases(TrainingResult r) {
        List<EpochSummary> e = r.epochs();
        // epoch means: the first already includes much of the fall, so ask for a clear 10 % beyond it
        assertTrue(e.getLast().trainLoss() < 0.9 * e.getFirst().trainLoss(),
                "training loss by epoch: " + e.stream().map(EpochSummary::trainLoss).toList());
    }

    @Test
    void kdStudentWithAugmentationAndTrimmedVocabularyTrains() throws IOException {
        DistillOptions o = DistillOptions.defaults().withTrain(TRAIN).withMaxLength(48).withAugmentPerExample(1)
                .withInit(StudentInit.RANDOM);
        Distiller.DistillResult r = distiller(o).distill(StudentSpec.layersOf(teacher.config(), 1), train, validation);
        assertLossDecreases(r.training());
        assertEquals(2 * train.size(), r.trainExamples());
        assertEquals(train.size(), r.augmentedTexts().size());
        assertNotNull(r.teacherLogits());
        assertEquals(r.trim().size(), r.student().config().vocabSize());
        assertTrue(r.trim().size() < tokenizer.vocabSize(), "the synthetic texts use a subset of the pieces");
        assertEquals(r.trim().tokenizer(), r.tokenizer());
        assertEquals(1, r.student().config().numLayers());
    }

    @Test
    void aMinimumPieceCountShrinksTheVocabularyTheStudentTrainsOn() throws IOException {
        // over the 192 rows and their variants the path words (shop, blog, news, home) come about 24 times each;
        // syllables, TLDs and the label's words (verify, login) far more often
        int minCount = 40;
        DistillOptions o = DistillOptions.defaults().withTrain(TRAIN).withMaxLength(48).withAugmentPerExample(1)
                .withInit(StudentInit.RANDOM).withVocabMinCount(minCount);
        StudentSpec spec = StudentSpec.layersOf(teacher.config(), 1);
        Distiller.DistillResult r = distiller(o).distill(spec, train, validation);
        assertLossDecreases(r.training());
        assertEquals(minCount, r.trim().minCount());
        assertTrue(r.trim().size() < VocabularyTrim.fromTexts(tokenizer, train.texts()).size(),
                r.trim().size() + " pieces kept");
        assertEquals(r.trim().size(), r.student().config().vocabSize());
        assertEquals(r.trim().tokenizer(), r.tokenizer());

        // the hidden-state and attention losses pair tokens one to one, which re-encoded rows no longer do
        assertThrows(IllegalArgumentException.class,
                () -> distiller(o.withHiddenWeight(1)).distill(spec, train, validation));
        assertThrows(IllegalArgumentException.class,
                () -> distiller(o.withTrimVocabulary(false)).distill(spec, train, validation));
    }

    @Test
    void hardLabelAblationRunsTheSamePathWithoutTheTeacher() throws IOException {
        DistillOptions o = DistillOptions.defaults().withTrain(TRAIN).withMaxLength(48).withAugmentPerExample(2)
                .withHiddenWeight(1).withHardLabelsOnly(true).withInit(StudentInit.RANDOM);
        Distiller.DistillResult r = distiller(o).distill(StudentSpec.layersOf(teacher.config(), 1), train, validation);
        assertLossDecreases(r.training());
        assertNull(r.teacherLogits(), "the ablation never runs the teacher");
        assertEquals(train.size(), r.trainExamples(), "no teacher-labelled variants");

        // α = 0 is plain mean cross-entropy
        float[] logits = {0.3f, -1.2f, 2.0f, 0.1f, -0.4f, 0.9f};
        int[] labels = {1, 0, 1};
        Loss ablation = new SoftTargetLoss(null, Divergence.FORWARD_KL, 2, 0).compute(logits, 2, new int[] {0, 1, 2},
                labels);
        CrossEntropy.Loss ce = CrossEntropy.compute(logits, labels, 2, null);
        // the same formula, ours in double, CrossEntropy in float
        assertClose(new float[] {ce.value()}, new float[] {ablation.value()}, 1e-6, 1e-7, "loss");
        assertClose(ce.dLogits(), ablation.dLogits(), 1e-6, 1e-7, "gradient");
    }

    @Test
    void reverseKlWithHiddenStatesThroughAProjectionAndACachedTeacher() throws IOException {
        Path cache = dir.resolve("cache").resolve("teacher-logits.bin");
        DistillOptions o = DistillOptions.defaults().withTrain(TRAIN).withMaxLength(48)
                .withDivergence(Divergence.REVERSE_KL).withHiddenWeight(0.5).withInit(StudentInit.RANDOM);
        StudentSpec narrow = new StudentSpec(null, 1, 8, 2, 16, 48);
        Distiller.DistillResult first = distiller(o).teacherLogitsCache(cache).distill(narrow, train, validation);
        assertLossDecreases(first.training());
        assertTrue(Files.exists(cache));
        Distiller.DistillResult second = distiller(o).teacherLogitsCache(cache).distill(narrow, train, validation);
        assertArrayEquals(first.teacherLogits().logits(), second.teacherLogits().logits());
        String w = "classifier.weight";
        // same seed, data and cached logits: the same bits, whether the kernels ran interpreted or compiled
        assertArrayEquals(first.student().weights().get(w).data(), second.student().weights().get(w).data(), w);
    }

    @Test
    void hiddenStateAndAttentionLossesTrainTogether() throws IOException {
        DistillOptions o = DistillOptions.defaults().withTrain(TRAIN).withMaxLength(48).withHiddenWeight(0.5)
                .withAttentionWeight(1).withInit(StudentInit.RANDOM);
        Distiller.DistillResult r = distiller(o).distill(new StudentSpec(null, 1, 8, 2, 16, 48), train, validation);
        assertLossDecreases(r.training());
        StudentConfigException e = org.junit.jupiter.api.Assertions.assertThrows(StudentConfigException.class,
                () -> distiller(o).distill(new StudentSpec(null, 1, 8, 4, 16, 48), train, validation));
        assertTrue(e.getMessage().contains("4 heads"), e.getMessage());
    }

    @Test
    void fromTeacherStudentStartsCloseToTheTeacher() throws IOException {
        DistillOptions o = DistillOptions.defaults().withTrain(TRAIN.withEpochs(1)).withMaxLength(48);
        Distiller.DistillResult r = distiller(o).distill(StudentSpec.layersOf(teacher.config(), 1), train, validation);
        DistillOptions random = o.withInit(StudentInit.RANDOM);
        Distiller.DistillResult s = distiller(random).distill(StudentSpec.layersOf(teacher.config(), 1), train,
                validation);
        // after one epoch, copying the teacher's embeddings, a layer and the head leaves less to learn
        assertTrue(r.training().epochs().getFirst().trainLoss() < s.training().epochs().getFirst().trainLoss(),
                r.training().epochs().getFirst().trainLoss() + " vs random " + s.training().epochs().getFirst().trainLoss());
    }
}
