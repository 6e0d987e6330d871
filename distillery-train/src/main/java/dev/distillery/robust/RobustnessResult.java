package dev.distillery.robust;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * One model's robustness on a set of phishing URLs. Accuracies are over those URLs only (their
 * recall): the edits keep a phishing URL phishing, but nothing says an edited benign URL stays benign.
 *
 * @param urls              phishing URLs given
 * @param cleanCorrect      of them, classified phishing before any edit (the ones attacked)
 * @param flipped           of those, classified benign after the attack
 * @param cleanAccuracy     cleanCorrect / urls
 * @param robustAccuracy    (cleanCorrect − flipped) / urls
 * @param attackSuccessRate flipped / cleanCorrect (NaN when nothing was attacked)
 * @param meanQueries       mean model queries per attacked URL, the clean query included (NaN when none)
 * @param options           how the attack ran
 * @param results           one per URL, in input order
 */
public record RobustnessResult(int urls, int cleanCorrect, int flipped, double cleanAccuracy, double robustAccuracy,
                               double attackSuccessRate, double meanQueries, AttackOptions options,
                               List<AttackResult> results) {
    public RobustnessResult {
        results = List.copyOf(results);
    }

    /** Counts and rates of {@code results}. */
    public static RobustnessResult of(List<AttackResult> results, AttackOptions options) {
        AttackTally t = AttackTally.empty();
        for (AttackResult r : results) {
            t = t.add(r.cleanCorrect(), r.success(), r.queries());
        }
        return new RobustnessResult(t.items(), t.cleanCorrect(), t.flipped(), t.cleanAccuracy(), t.robustAccuracy(),
                t.attackSuccessRate(), t.meanQueries(), options, results);
    }

    /** The successful attacks, in input order. */
    public List<AttackResult> successes() {
        return results.stream().filter(AttackResult::success).toList();
    }

    /**
     * {@code {"urls", "cleanAccuracy", "robustAccuracy", "attackSuccessRate", "meanQueries", "queryBudget",
     * "examples": [{"original", "adversarial", "originalProbability", "adversarialProbability", "queries",
     * "edits"}]}} with the first {@code examples} successes; undefined rates are null.
     */
    public ObjectNode toJson(int examples) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("urls", urls);
        o.put("cleanCorrect", cleanCorrect);
        o.put("flipped", flipped);
        putRate(o, "cleanAccuracy", cleanAccuracy);
        putRate(o, "robustAccuracy", robustAccuracy);
        putRate(o, "attackSuccessRate", attackSuccessRate);
        putRate(o, "meanQueries", meanQueries);
        o.put("queryBudget", options.queryBudget());
        o.put("seed", options.seed());
        ArrayNode list = o.putArray("examples");
        for (AttackResult r : successes().stream().limit(examples).toList()) {
            ObjectNode e = list.addObject();
            e.put("original", r.original());
            e.put("adversarial", r.adversarial());
            e.put("originalProbability", r.originalProbability());
            e.put("adversarialProbability", r.adversarialProbability());
            e.put("queries", r.queries());
            ArrayNode edits = e.putArray("edits");
            r.edits().forEach(p -> edits.add(p.name()));
        }
        return o;
    }

    static void putRate(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }
}
