package dev.distillery.distill;

import dev.distillery.data.Dataset;
import dev.distillery.data.TextTransform;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.robust.AdversarialAugmentation;
import dev.distillery.robust.AttackOptions;
import dev.distillery.robust.Scorer;
import dev.distillery.tokenize.WordPieceTokenizer;
import dev.distillery.train.BatchInference;
import dev.distillery.train.LossFunction;
import dev.distillery.train.TokenizedExamples;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.Trainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Distiller#adversarial}: adversarial URLs found against a tiny teacher join the training rows. */
class AdversarialDistillationTest {
    private static final TrainOptions TRAIN = TrainOptions.defaults().withEpochs(2).withBatchSize(16)
            .withLearningRate(1e-2).withWarmupRatio(0.1).withSeed(5).withPositiveClass(1);
    private static final AdversarialAugmentation ADVERSARIAL = new AdversarialAugmentation(30,
            AttackOptions.defaults().withQueryBudget(40));
    @TempDir
    static Path dir;
    private static WordPieceTokenizer tokenizer;
    private static SequenceClassifier teacher;
    private static Dataset train;

    @BeforeAll
    static void fineTuneTeacher() throws IOException {
        tokenizer = TinyUrls.tokenizer(dir);
        train = TinyUrls.urls("train", 192, 1);
        teacher = SequenceClassifier.create(TinyUrls.config("bert", tokenizer.vocabSize(), 16, 2, 32), 3);
        TokenizedExamples t = new TokenizedExamples("train", train.texts().stream().map(s -> tokenizer.encode(s, 48).ids())
                .toArray(int[][]::new), null, train.labels(), 2, tokenizer.padId());
        new Trainer(teacher, t, null, TRAIN.withEpochs(8), LossFunction.crossEntropy(null)).fit();
    }

    @Test
    void successfulAttacksOnTheTeacherJoinWithTheirSourcesSoftTargets() throws IOException {
        DistillOptions o = DistillOptions.defaults().withTrain(TRAIN).withMaxLength(48).withInit(StudentInit.RANDOM);
        Path cache = dir.resolve("logits.bin");
        Distiller.DistillResult r = new Distiller(new Distiller.Teacher(teacher, tokenizer), o).teacherLogitsCache(cache)
                .adversarial(ADVERSARIAL).distill(StudentSpec.layersOf(teacher.config(), 1), train, null);

        List<String> adversarial = r.adversarialTexts();
        assertFalse(adversarial.isEmpty(), "the tiny teacher is fooled on some of the 30 attacked URLs");
        assertTrue(adversarial.size() <= ADVERSARIAL.urls());
        assertEquals(train.size() + adversarial.size(), r.trainExamples());
        assertEquals(r.trainExamples(), r.teacherLogits().size());
        float[] onAdversarial = Scorer.of(teacher, tokenizer, 48, 1, TextTransform.NONE).positiveProbability(adversarial);
        int[] softTargets = BatchInference.argmax(r.teacherLogits().rows(
                java.util.stream.IntStream.range(train.size(), r.trainExamples()).toArray()), 2);
        for (int i = 0; i < adversarial.size(); i++) {
            assertTrue(onAdversarial[i] < 0.5f, "only successful attacks are added: " + adversarial.get(i));
            // the soft target is the teacher on the clean source, which it classified phishing before the attack
            assertEquals(1, softTargets[i], adversarial.get(i));
        }

        // the cache holds the clean rows only, so a run without adversarial rows reuses it
        Distiller.DistillResult plain = new Distiller(new Distiller.Teacher(teacher, tokenizer), o).teacherLogitsCache(cache)
                .distill(StudentSpec.layersOf(teacher.config(), 1), train, null);
        assertEquals(train.size(), plain.trainExamples());
        assertTrue(plain.adversarialTexts().isEmpty());
    }
}
