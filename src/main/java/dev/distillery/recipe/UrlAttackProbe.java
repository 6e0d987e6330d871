package dev.distillery.recipe;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.Evaluation;
import dev.distillery.data.Dataset;
import dev.distillery.robust.AttackOptions;
import dev.distillery.robust.AttackResult;
import dev.distillery.robust.Perturbation;
import dev.distillery.robust.RobustnessResult;
import dev.distillery.robust.Scorer;
import dev.distillery.verify.Robustness;
import dev.distillery.verify.RobustnessProbe;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The verification report's robustness section, filled by {@code robust}'s black-box greedy URL attack:
 * the first {@code urls} phishing rows of the test split are attacked against each model with the same
 * seeded options, so every model faces the same search.
 *
 * @param urls    phishing rows attacked per model
 * @param options the attack's budget, step, edit limit and seed
 */
record UrlAttackProbe(int urls, AttackOptions options) implements RobustnessProbe {
    /** Successful attacks shown in the report per model. */
    private static final int EXAMPLES = 5;

    @Override
    public Robustness evaluate(Classifier model, Dataset data) {
        int positive = Evaluation.positiveClass(model.labels().names());
        if (positive < 0) {
            return null;
        }
        List<String> phishing = new ArrayList<>();
        for (int i = 0; i < data.size() && phishing.size() < urls; i++) {
            if (data.label(i) == positive) {
                phishing.add(data.text(i));
            }
        }
        if (phishing.isEmpty()) {
            return null;
        }
        RobustnessResult r = dev.distillery.robust.Robustness.evaluate(Scorer.of(model), phishing, options);
        List<Robustness.Example> examples = new ArrayList<>();
        for (AttackResult a : r.successes().subList(0, Math.min(EXAMPLES, r.successes().size()))) {
            examples.add(new Robustness.Example(a.original(), a.adversarial(), a.originalProbability(),
                    a.adversarialProbability(), a.queries(),
                    a.edits().stream().map(Perturbation::toString).collect(Collectors.joining(", "))));
        }
        String method = String.format(Locale.ROOT, "black-box greedy URL attack (robust.GreedyAttack) on the first %d "
                        + "phishing URLs of the test data: at most %d queries and %d edits per URL, %d candidates per step, "
                        + "seed %d", phishing.size(), options.queryBudget(), options.maxEdits(), options.candidatesPerStep(),
                options.seed());
        return new Robustness(r.urls(), r.cleanAccuracy(), r.robustAccuracy(), r.attackSuccessRate(), r.meanQueries(),
                method, examples);
    }

    @Override
    public String notApplicable(Classifier model) {
        return "the URL attack needs a model with two labels and phishing rows in the test data";
    }
}
