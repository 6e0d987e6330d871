package dev.distillery.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.classify.Classifier;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The attack and the divergence search against a trained tiny classifier (the attack command: cli.AttackCommandTest). */
class TinyModelTest {
    /** One text scored in two batches of different make-up differs only by summation order and padding. */
    private static final float RESCORE_ATOL = 1e-5f;
    /** Spreads the tiny teacher's small margins so its probabilities are not all near 0.5. */
    private static final float SHARPEN = 100f;
    /**
     * Rounding every weight to multiples of 0.01 moves this model's probabilities by up to about 0.03 but flips
     * none of the URLs as given; only inputs near the boundary can disagree.
     */
    private static final float ROUNDING_STEP = 0.01f;

    @TempDir
    static Path shared;
    static Classifier teacher;
    static List<String> phishing;

    @BeforeAll
    static void train() throws Exception {
        Classifier trained = TinyUrlModels.trainedTeacher(shared);
        teacher = trained.withModel(TinyUrlModels.sharpened(trained.model(), SHARPEN), trained.tokenizer(), trained.maxLength());
        phishing = TinyUrlModels.urls(shared, 40, 5, "phishing");
    }

    @Test
    void attackRecordsTheModelsOwnProbabilitiesAndIsRepeatable() {
        Scorer scorer = Scorer.of(teacher);
        AttackOptions options = AttackOptions.defaults().withQueryBudget(60).withCandidatesPerStep(10);
        RobustnessResult r = Robustness.evaluate(scorer, phishing, options);
        assertTrue(r.cleanCorrect() > 0 && r.flipped() > 0, "the tiny teacher catches and loses some URLs: " + r.flipped()
                + " of " + r.cleanCorrect());
        for (AttackResult a : r.results()) {
            float p = scorer.positiveProbability(List.of(a.adversarial()))[0];
            assertEquals(a.adversarialProbability(), p, RESCORE_ATOL, a.toString());
            assertTrue(a.queries() <= options.queryBudget(), a.toString());
            assertTrue(a.adversarialProbability() <= a.originalProbability(), "greedy steps only go down: " + a);
        }
        assertEquals(r, Robustness.evaluate(scorer, phishing, options));
    }

    @Test
    void searchFindsDisagreementsNearTheBoundaryOfAModelAndItsRoundedCopy() throws Exception {
        Scorer reference = Scorer.of(teacher);
        Scorer rounded = Scorer.of(teacher.withModel(TinyUrlModels.rounded(teacher.model(), ROUNDING_STEP), teacher.tokenizer(),
                teacher.maxLength()));
        List<String> urls = TinyUrlModels.urls(shared, 40, 5, "phishing");
        urls = new java.util.ArrayList<>(urls);
        urls.addAll(TinyUrlModels.urls(shared, 40, 5, "benign"));
        AttackOptions options = AttackOptions.defaults().withQueryBudget(60).withCandidatesPerStep(10);

        QuantizationDivergence.DivergenceResult clean = QuantizationDivergence.measure(reference, rounded, urls, 0.5f);
        QuantizationDivergence.BoundarySearchResult search = QuantizationDivergence.search(reference, rounded, urls, options);

        assertTrue(search.foundRate() > clean.rate(), "walking toward the boundary finds more disagreements ("
                + search.foundRate() + ") than the URLs as given (" + clean.rate() + ")");
        assertTrue(search.meanQueries() <= options.queryBudget());
        for (QuantizationDivergence.Disagreement d : search.found()) {
            float r = reference.positiveProbability(List.of(d.text()))[0];
            float q = rounded.positiveProbability(List.of(d.text()))[0];
            assertEquals(d.referenceProbability(), r, RESCORE_ATOL, d.toString());
            assertEquals(d.quantizedProbability(), q, RESCORE_ATOL, d.toString());
            assertNotEquals(d.referenceProbability() >= 0.5f, d.quantizedProbability() >= 0.5f, "a disagreement: " + d);
        }
    }
}
