package dev.distillery.robust;

import dev.distillery.report.Table;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Attacks a model on phishing URLs and measures what survives: clean accuracy, robust accuracy,
 * attack success rate and queries spent. All URLs are attacked in lockstep, so each model call scores
 * the candidates of many URLs together (one forward pass over a large batch is much cheaper per text
 * than many small ones).
 * <pre>{@code
 * RobustnessResult r = Robustness.evaluate(Scorer.of(classifier), phishingUrls, AttackOptions.defaults());
 * r.attackSuccessRate();  // e.g. 0.42: 42 % of the phishing URLs the model caught were flipped to benign
 * }</pre>
 */
public final class Robustness {
    /** Texts per scorer call; bounds the memory of one call while keeping batches large. */
    static final int CALL_SIZE = 512;

    private Robustness() {
    }

    /**
     * @param phishingUrls phishing URLs as the model sees them (its text transform already applied, as in a
     *                     dataset read with the model's transform)
     */
    public static RobustnessResult evaluate(Scorer scorer, List<String> phishingUrls, AttackOptions options) {
        return RobustnessResult.of(attack(scorer, phishingUrls, options), options);
    }

    /** The attack on each URL, in input order. */
    public static List<AttackResult> attack(Scorer scorer, List<String> urls, AttackOptions options) {
        List<GreedySearch<String, Perturbation>> attacks = new ArrayList<>(urls.size());
        for (String url : urls) {
            attacks.add(new GreedySearch<>(url, new Proposals(url, options.families(), scorer.transform(), options.seed()),
                    options.queryBudget(), options.candidatesPerStep(), options.maxEdits(), options.threshold()));
        }
        GreedySearch.runLockstep(attacks, texts -> {
            float[] p = score(scorer, texts);
            double[] d = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                d[i] = p[i];
            }
            return d;
        });
        return attacks.stream().map(a -> new AttackResult(a.original(), a.current(), (float) a.originalScore(),
                (float) a.currentScore(), a.queries(), a.cleanCorrect(), a.success(), a.edits())).toList();
    }

    /** {@code scorer} over {@code texts} in calls of at most {@link #CALL_SIZE}. */
    static float[] score(Scorer scorer, List<String> texts) {
        float[] out = new float[texts.size()];
        for (int from = 0; from < texts.size(); from += CALL_SIZE) {
            int to = Math.min(texts.size(), from + CALL_SIZE);
            float[] p = scorer.positiveProbability(texts.subList(from, to));
            if (p.length != to - from) {
                throw new IllegalStateException("the scorer returned " + p.length + " probabilities for " + (to - from)
                        + " texts");
            }
            System.arraycopy(p, 0, out, from, p.length);
        }
        return out;
    }

    /** One row per model: URLs, clean accuracy, robust accuracy, attack success rate, mean queries. */
    public static Table table(Map<String, RobustnessResult> byModel) {
        Table t = new Table("model", "URLs", "clean acc", "robust acc", "ASR", "mean queries");
        byModel.forEach((name, r) -> t.row(name, r.urls(), r.cleanAccuracy(), r.robustAccuracy(), r.attackSuccessRate(),
                r.meanQueries()));
        return t;
    }

    /** The first {@code n} successful attacks as lines: P before → after, then original → adversarial. */
    public static String examples(RobustnessResult r, int n) {
        StringBuilder b = new StringBuilder();
        for (AttackResult a : r.successes().stream().limit(n).toList()) {
            b.append(String.format(Locale.ROOT, "%.3f -> %.3f  %s  ->  %s  (%d queries, %s)%n", a.originalProbability(),
                    a.adversarialProbability(), a.original(), a.adversarial(), a.queries(), a.edits()));
        }
        return b.toString();
    }
}
