package dev.distillery.verify;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.Evaluation;
import dev.distillery.data.Dataset;
import dev.distillery.robust.AttackOptions;
import dev.distillery.robust.AttackResult;
import dev.distillery.robust.Robustness;
import dev.distillery.robust.RobustnessResult;
import dev.distillery.robust.Scorer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The black-box greedy URL attack of {@link dev.distillery.robust.Robustness} as a {@link RobustnessProbe}: the
 * first {@code rows} phishing rows of the test file, each attacked within the query budget by
 * phishing-preserving edits. Every model gets the same rows and seed, so their figures compare.
 */
public final class UrlAttack implements RobustnessProbe {
    /** Successful attacks kept per model for the report. */
    static final int EXAMPLES = 5;

    private final AttackOptions options;
    private final int rows;

    /** @param rows phishing rows to attack, the first ones of the file; 0 for all */
    public UrlAttack(AttackOptions options, int rows) {
        if (rows < 0) {
            throw new IllegalArgumentException("rows to attack must be 0 (all) or positive, got " + rows);
        }
        this.options = options;
        this.rows = rows;
    }

    /** The attack's default options on the first 100 phishing rows. */
    public static UrlAttack defaults() {
        return new UrlAttack(AttackOptions.defaults(), 100);
    }

    @Override
    public dev.distillery.verify.Robustness evaluate(Classifier model, Dataset data) {
        int positive = Evaluation.positiveClass(model.labels().names());
        if (positive < 0) {
            return null;
        }
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < data.size() && (rows == 0 || urls.size() < rows); i++) {
            if (data.label(i) == positive) {
                urls.add(data.text(i));
            }
        }
        if (urls.isEmpty()) {
            return null;
        }
        RobustnessResult r = Robustness.evaluate(Scorer.of(model), urls, options);
        List<dev.distillery.verify.Robustness.Example> examples = new ArrayList<>();
        for (AttackResult a : r.successes().stream().limit(EXAMPLES).toList()) {
            examples.add(new dev.distillery.verify.Robustness.Example(a.original(), a.adversarial(), a.originalProbability(),
                    a.adversarialProbability(), a.queries(),
                    a.edits().stream().map(p -> p.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "))));
        }
        String method = String.format(Locale.ROOT, "Greedy black-box attack (dev.distillery.robust) on the first %d phishing"
                        + " rows: phishing-preserving URL edits guided by P(phishing), at most %d queries, %d candidates per"
                        + " step and %d edits per URL, threshold %.2f, seed %d. Accuracies are over the attacked phishing rows;"
                        + " the attack success rate is over those the model caught before the attack.", urls.size(),
                options.queryBudget(), options.candidatesPerStep(), options.maxEdits(), options.threshold(), options.seed());
        return new dev.distillery.verify.Robustness(r.urls(), r.cleanAccuracy(), r.robustAccuracy(), r.attackSuccessRate(),
                r.meanQueries(), method, examples);
    }

    @Override
    public String notApplicable(Classifier model) {
        return Evaluation.positiveClass(model.labels().names()) < 0
                ? "the URL attack needs a two-label model; " + model + " has " + model.labels().size() + " labels"
                : "the test file has no rows of the positive class to attack";
    }
}
