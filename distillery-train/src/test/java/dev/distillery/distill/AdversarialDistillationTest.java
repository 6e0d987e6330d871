package dev.distillery.distill;

import dev.distillery.classify.BatchInference;
import dev.distillery.data.Dataset;
import dev.distillery.data.TextTransform;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.robust.AdversarialAugmentation;
import dev.distillery.robust.AttackOptions;
import dev.distillery.robust.AttackResult;
import dev.distillery.robust.Perturbation;
import dev.distillery.robust.Scorer;
import dev.distillery.testing.Numerics;
import dev.distillery.tokenize.WordPieceTokenizer;
import dev.distillery.train.LossFunction;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.Trainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Distiller#adversarial}: adversarial URLs found against a tiny teacher join the training rows, balanced
 * by edited benign URLs; and {@link AdversarialAugmentation}'s balancing and cap on their own.
 */
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
    void successfulAttacksJoinWithTheirSourcesSoftTargetsBalancedByTeacherLabelledBenignVariants() throws IOException {
        DistillOptions o = DistillOptions.defaults().withTrain(TRAIN).withMaxLength(48).withInit(StudentInit.RANDOM);
        Path cache = dir.resolve("logits.bin");
        Distiller.DistillResult r = new Distiller(new Distiller.Teacher(teacher, tokenizer), o).teacherLogitsCache(cache)
                .adversarial(ADVERSARIAL).distill(StudentSpec.layersOf(teacher.config(), 1), train, null);

        List<String> adversarial = r.adversarialTexts();
        List<String> benign = r.benignVariants();
        assertFalse(adversarial.isEmpty(), "the tiny teacher is fooled on some of the 30 attacked URLs");
        assertTrue(adversarial.size() <= Math.min(ADVERSARIAL.urls(), ADVERSARIAL.cap(train.size())));
        // balanced: one edited benign training URL per adversarial URL
        assertEquals(adversarial.size() * ADVERSARIAL.benignPerAdversarial(), benign.size());
        assertEquals(train.size() + benign.size() + adversarial.size(), r.trainExamples());
        assertEquals(r.trainExamples(), r.teacherLogits().size());

        int benignStart = train.size();
        int adversarialStart = benignStart + benign.size();
        float[] onAdversarial = Scorer.of(teacher, tokenizer, 48, 1, TextTransform.NONE).positiveProbability(adversarial);
        int[] softTargets = BatchInference.argmax(r.teacherLogits().rows(
                IntStream.range(adversarialStart, r.trainExamples()).toArray()), 2);
        for (int i = 0; i < adversarial.size(); i++) {
            assertTrue(onAdversarial[i] < 0.5f, "only successful attacks are added: " + adversarial.get(i));
            // the soft target is the teacher on the clean source, which it classified phishing before the attack
            assertEquals(1, softTargets[i], adversarial.get(i));
        }

        // the benign variants carry the teacher's logits on themselves, recomputed here from the variant texts
        TokenizedExamples variants = new TokenizedExamples("variants", benign.stream()
                .map(t -> tokenizer.encode(t, 48).ids()).toArray(int[][]::new), null, new int[benign.size()], 2,
                tokenizer.padId());
        float[] expected = BatchInference.logits(teacher, variants, 64); // [variants, 2]
        // the same model, inputs and batch arithmetic: only the batch grouping may differ, so float rounding
        Numerics.assertClose(expected, r.teacherLogits().rows(IntStream.range(benignStart, adversarialStart).toArray()),
                1e-5, 1e-5, "teacher logits of the benign variants");
        List<String> benignTrain = IntStream.range(0, train.size()).filter(i -> train.label(i) == 0)
                .mapToObj(train::text).toList();
        long edited = benign.stream().filter(v -> !benignTrain.contains(v)).count();
        assertTrue(edited > benign.size() / 2, "most variants differ from every benign training URL: " + edited
                + " of " + benign.size());

        // the cache holds the clean rows only, so a run without adversarial rows reuses it
        Distiller.DistillResult plain = new Distiller(new Distiller.Teacher(teacher, tokenizer), o).teacherLogitsCache(cache)
                .distill(StudentSpec.layersOf(teacher.config(), 1), train, null);
        assertEquals(train.size(), plain.trainExamples());
        assertTrue(plain.adversarialTexts().isEmpty());
        assertTrue(plain.benignVariants().isEmpty());
    }

    @Test
    void benignVariantsRepeatEachAttacksEditsAndAreSeeded() {
        AttackResult a = new AttackResult("evil.example/x", "paypal.com.evil.example/x", 0.9f, 0.4f, 5, true, true,
                List.of(Perturbation.BRAND_SUBDOMAIN, Perturbation.QUERY_PARAMETER));
        AttackResult b = new AttackResult("bad.example", "bad.example/home", 0.8f, 0.3f, 3, true, true,
                List.of(Perturbation.PATH_PADDING));
        List<String> benign = List.of("wikipedia.org/wiki/url", "github.com/openjdk/jdk", "example.org/about");
        AdversarialAugmentation two = new AdversarialAugmentation(10, AttackOptions.defaults(), 2, 0.5);
        List<String> v = two.benignVariants(benign, List.of(a, b), TextTransform.NONE, 7);
        assertEquals(4, v.size(), "two benign variants per attack");
        assertEquals(v, two.benignVariants(benign, List.of(a, b), TextTransform.NONE, 7), "seeded");
        // the first attack's edits: a brand domain in front and a query parameter behind a benign host
        for (String s : v.subList(0, 2)) {
            assertTrue(benign.stream().anyMatch(u -> s.contains(u.substring(0, u.indexOf('/')))), s);
            assertTrue(s.contains("?"), "query parameter added: " + s);
        }
        assertTrue(new AdversarialAugmentation(10, AttackOptions.defaults(), 0, 0.5)
                .benignVariants(benign, List.of(a, b), TextTransform.NONE, 7).isEmpty(), "0 turns balancing off");
        assertEquals(80, AdversarialAugmentation.defaults().cap(800), "a tenth of 800 rows");
        assertEquals(1, AdversarialAugmentation.defaults().cap(3), "never below one row");
    }
}
