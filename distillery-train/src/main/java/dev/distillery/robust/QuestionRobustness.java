package dev.distillery.robust;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.eval.mcq.McqQuestion;
import dev.distillery.eval.mcq.McqScorer;
import dev.distillery.report.Progress;
import dev.distillery.report.Table;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * A language model's robustness on multiple-choice questions under edits that keep the answer
 * ({@link QuestionEdit}), measured as for URLs ({@link RobustnessResult}): each question the model
 * answers right is attacked by the greedy search ({@link GreedySearch}) within a query budget, and
 * succeeds when the model's answer changes. Accuracies are over all questions given.
 * <pre>{@code
 * QuestionRobustness r = QuestionRobustness.evaluate(scorer, questions, QuestionAttackOptions.defaults(), System.err);
 * r.attackSuccessRate();  // e.g. 0.6: 60 % of the questions answered right were turned wrong
 * }</pre>
 *
 * @param questions         questions given
 * @param cleanCorrect      of them, answered right before any edit (the ones attacked)
 * @param flipped           of those, answered wrongly after the attack
 * @param cleanAccuracy     cleanCorrect / questions
 * @param robustAccuracy    (cleanCorrect − flipped) / questions
 * @param attackSuccessRate flipped / cleanCorrect (NaN when nothing was attacked)
 * @param meanQueries       mean model queries per attacked question, the clean one included (NaN when none)
 * @param results           one per question, in input order
 */
public record QuestionRobustness(int questions, int cleanCorrect, int flipped, double cleanAccuracy,
                                 double robustAccuracy, double attackSuccessRate, double meanQueries,
                                 QuestionAttackOptions options, List<QuestionAttackResult> results) {
    public QuestionRobustness {
        results = List.copyOf(results);
    }

    /**
     * Attacks every question one after another (a language model scores one prompt at a time, so
     * there is nothing to gain from lockstep batches), with a progress bar on {@code progress} (null
     * for none). A question counts as answered right while its margin is above zero.
     */
    public static QuestionRobustness evaluate(McqScorer scorer, List<McqQuestion> questions,
                                              QuestionAttackOptions options, PrintStream progress) {
        return evaluate(q -> scorer.score(q).margin(q.answer()), questions, options, progress);
    }

    /**
     * As {@link #evaluate(McqScorer, List, QuestionAttackOptions, PrintStream)} for any model seen as a
     * black box: {@code margin} is the right answer's score minus the best wrong option's, one query each.
     */
    public static QuestionRobustness evaluate(ToDoubleFunction<McqQuestion> margin, List<McqQuestion> questions,
                                              QuestionAttackOptions options, PrintStream progress) {
        List<QuestionAttackResult> results = new ArrayList<>(questions.size());
        try (Progress bar = progress == null ? null : Progress.on(progress, "attack", questions.size(), "q")) {
            for (int i = 0; i < questions.size(); i++) {
                McqQuestion q = questions.get(i);
                GreedySearch<McqQuestion, QuestionEdit> search = new GreedySearch<>(q,
                        new QuestionEdits(q, options.families(), options.seed()), options.queryBudget(),
                        options.candidatesPerStep(), options.maxEdits(), 0);
                GreedySearch.runLockstep(List.of(search), batch -> {
                    double[] margins = new double[batch.size()];
                    for (int k = 0; k < margins.length; k++) {
                        margins[k] = margin.applyAsDouble(batch.get(k));
                    }
                    return margins;
                });
                results.add(new QuestionAttackResult(i, search.current(), search.originalScore(), search.currentScore(),
                        search.queries(), search.cleanCorrect(), search.success(), search.edits()));
                if (bar != null) {
                    bar.advance(1);
                }
            }
        }
        return of(results, options);
    }

    /** Counts and rates of {@code results}. */
    public static QuestionRobustness of(List<QuestionAttackResult> results, QuestionAttackOptions options) {
        AttackTally t = AttackTally.empty();
        for (QuestionAttackResult r : results) {
            t = t.add(r.cleanCorrect(), r.success(), r.queries());
        }
        return new QuestionRobustness(t.items(), t.cleanCorrect(), t.flipped(), t.cleanAccuracy(), t.robustAccuracy(),
                t.attackSuccessRate(), t.meanQueries(), options, results);
    }

    /** How many accepted edits of each family the successful attacks used. */
    public Map<QuestionEdit, Integer> editsInSuccesses() {
        Map<QuestionEdit, Integer> m = new EnumMap<>(QuestionEdit.class);
        for (QuestionEdit e : QuestionEdit.values()) {
            m.put(e, 0);
        }
        for (QuestionAttackResult r : results) {
            if (r.success()) {
                r.edits().forEach(e -> m.merge(e, 1, Integer::sum));
            }
        }
        return m;
    }

    /**
     * {@code {"questions", "cleanCorrect", "flipped", "cleanAccuracy", "robustAccuracy", "attackSuccessRate",
     * "meanQueries", "queryBudget", "seed", "families", "editsInSuccesses", "results": [{"index", "originalMargin",
     * "adversarialMargin", "queries", "success", "edits"}]}}; undefined rates are null. No question text: it
     * belongs to the data file, which may not be redistributed.
     */
    public ObjectNode toJson(boolean perQuestion) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("questions", questions);
        o.put("cleanCorrect", cleanCorrect);
        o.put("flipped", flipped);
        RobustnessResult.putRate(o, "cleanAccuracy", cleanAccuracy);
        RobustnessResult.putRate(o, "robustAccuracy", robustAccuracy);
        RobustnessResult.putRate(o, "attackSuccessRate", attackSuccessRate);
        RobustnessResult.putRate(o, "meanQueries", meanQueries);
        o.put("queryBudget", options.queryBudget());
        o.put("seed", options.seed());
        ArrayNode fams = o.putArray("families");
        options.families().forEach(f -> fams.add(f.name()));
        ObjectNode used = o.putObject("editsInSuccesses");
        editsInSuccesses().forEach((e, n) -> used.put(e.name(), n));
        if (perQuestion) {
            ArrayNode list = o.putArray("results");
            for (QuestionAttackResult r : results) {
                ObjectNode e = list.addObject();
                e.put("index", r.index());
                RobustnessResult.putRate(e, "originalMargin", r.originalMargin());
                RobustnessResult.putRate(e, "adversarialMargin", r.adversarialMargin());
                e.put("queries", r.queries());
                e.put("cleanCorrect", r.cleanCorrect());
                e.put("success", r.success());
                ArrayNode edits = e.putArray("edits");
                r.edits().forEach(p -> edits.add(p.name()));
            }
        }
        return o;
    }

    /** One row per model, the URL attack's columns: questions, clean accuracy, robust accuracy, ASR, mean queries. */
    public static Table table(Map<String, QuestionRobustness> byModel) {
        Table t = new Table("model", "questions", "clean acc", "robust acc", "ASR", "mean queries");
        byModel.forEach((name, r) -> t.row(name, r.questions(), r.cleanAccuracy(), r.robustAccuracy(),
                r.attackSuccessRate(), r.meanQueries()));
        return t;
    }
}
