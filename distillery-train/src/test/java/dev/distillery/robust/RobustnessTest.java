package dev.distillery.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.data.TextTransform;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The attack's bookkeeping on hand-made scorers whose every answer is known from the text. */
class RobustnessTest {
    /**
     * Families that add characters or change case but never rewrite a host letter, so the FIRM and MISSED
     * markers survive every edit.
     */
    private static final List<Perturbation> ADDING = List.of(Perturbation.QUERY_PARAMETER, Perturbation.USER_AT_HOST,
            Perturbation.CASE_CHANGE, Perturbation.PERCENT_ENCODE_PATH, Perturbation.PATH_PADDING,
            Perturbation.BRAND_SUBDOMAIN);
    /** Texts containing this, in any case, are scored 0.99 whatever the edits: the attack can never win. */
    private static final String FIRM = "firmphish";
    /** Texts containing this are scored 0.2: classified benign before any edit. */
    private static final String MISSED = "missedphish";

    /**
     * P(phishing) falls by 0.12 per character outside [a-z0-9.-/], so edits that add '@', '?', '%',
     * capitals or homoglyphs flip a URL after about four of them; FIRM and MISSED texts are fixed.
     */
    private static final class HandMade implements Scorer {
        final AtomicInteger queries = new AtomicInteger();
        final TextTransform transform;

        HandMade(TextTransform transform) {
            this.transform = transform;
        }

        @Override
        public float[] positiveProbability(List<String> texts) {
            queries.addAndGet(texts.size());
            float[] p = new float[texts.size()];
            for (int i = 0; i < p.length; i++) {
                String t = texts.get(i);
                if (t.toLowerCase(Locale.ROOT).contains(FIRM)) {
                    p[i] = 0.99f;
                } else if (t.contains(MISSED)) {
                    p[i] = 0.2f;
                } else {
                    long odd = t.chars().filter(c -> !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.'
                            || c == '-' || c == '/')).count();
                    p[i] = Math.max(0.01f, 0.9f - 0.12f * odd);
                }
            }
            return p;
        }

        @Override
        public TextTransform transform() {
            return transform;
        }
    }

    private static final List<String> URLS = List.of("secure-login.example.com/account", FIRM + ".net/verify",
            "paypal-verify.top/signin", MISSED + ".org", "update.bank-secure.info", FIRM + "2.com",
            "mail.example.co/owa/auth", MISSED + "2.com/x", "login.microsoft-online.xyz", FIRM + "3.ru/a/b");

    @Test
    void metricsCountCleanHitsFlipsAndQueries() {
        HandMade scorer = new HandMade(TextTransform.NONE);
        AttackOptions options = AttackOptions.defaults().withQueryBudget(60).withCandidatesPerStep(8).withFamilies(ADDING);
        RobustnessResult r = Robustness.evaluate(scorer, URLS, options);

        // by construction: 2 MISSED are benign from the start, 3 FIRM can never flip, the other 5 can
        assertEquals(10, r.urls());
        assertEquals(8, r.cleanCorrect());
        assertEquals(5, r.flipped());
        assertEquals(0.8, r.cleanAccuracy(), 1e-12);
        assertEquals(0.3, r.robustAccuracy(), 1e-12);
        assertEquals(5.0 / 8, r.attackSuccessRate(), 1e-12);
        long attackedQueries = r.results().stream().filter(AttackResult::cleanCorrect).mapToLong(AttackResult::queries).sum();
        assertEquals(attackedQueries / 8.0, r.meanQueries(), 1e-12);
        assertEquals(scorer.queries.get(), r.results().stream().mapToInt(AttackResult::queries).sum(),
                "every text the scorer saw is counted once against its URL");
        for (AttackResult a : r.results()) {
            assertEquals(scorer.positiveProbability(List.of(a.adversarial()))[0], a.adversarialProbability(),
                    "the recorded probability is the scorer's for " + a.adversarial());
            if (a.original().contains(MISSED)) {
                assertFalse(a.cleanCorrect());
                assertEquals(1, a.queries(), "a missed URL costs its clean query only");
                assertEquals(a.original(), a.adversarial());
            } else if (a.original().contains(FIRM)) {
                assertEquals(options.queryBudget(), a.queries(), "a hopeless attack spends exactly its budget");
                assertTrue(a.edits().isEmpty());
            } else {
                assertTrue(a.success(), a.toString());
                assertTrue(a.adversarialProbability() < 0.5f && a.queries() <= options.queryBudget(), a.toString());
                assertFalse(a.edits().isEmpty(), a.toString());
                assertTrue(a.edits().size() <= options.maxEdits(), a.toString());
            }
        }
        assertEquals(5, r.successes().size());
        assertEquals(3, r.toJson(3).get("examples").size());
    }

    @Test
    void budgetIsRespectedExactlyWhenItIsNotAMultipleOfTheStep() {
        for (int budget : new int[] {1, 2, 7, 23}) {
            HandMade scorer = new HandMade(TextTransform.NONE);
            List<AttackResult> results = Robustness.attack(scorer, List.of(FIRM + ".com/a"),
                    AttackOptions.defaults().withQueryBudget(budget).withCandidatesPerStep(5).withFamilies(ADDING));
            assertEquals(budget, results.getFirst().queries());
            assertEquals(budget, scorer.queries.get());
        }
    }

    @Test
    void sameSeedSameAttackWhateverTheOtherUrls() {
        AttackOptions options = AttackOptions.defaults().withQueryBudget(40).withSeed(7);
        List<AttackResult> all = Robustness.attack(new HandMade(TextTransform.NONE), URLS, options);
        List<String> reversed = new ArrayList<>(URLS.reversed());
        List<AttackResult> backwards = Robustness.attack(new HandMade(TextTransform.NONE), reversed, options);
        List<AttackResult> alone = Robustness.attack(new HandMade(TextTransform.NONE), List.of(URLS.getFirst()), options);
        assertEquals(all, backwards.reversed());
        assertEquals(all.getFirst(), alone.getFirst());
        List<AttackResult> otherSeed = Robustness.attack(new HandMade(TextTransform.NONE), URLS, options.withSeed(8));
        assertNotEquals(all, otherSeed, "another seed draws other edits");
    }

    @Test
    void adversarialTextsAreWhatTheModelSeesAfterItsTransform() {
        HandMade scorer = new HandMade(TextTransform.URL_NORMALIZE);
        for (AttackResult a : Robustness.attack(scorer, URLS, AttackOptions.defaults().withQueryBudget(80))) {
            assertEquals(TextTransform.URL_NORMALIZE.apply(a.adversarial()), a.adversarial());
        }
    }
}
