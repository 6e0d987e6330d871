package dev.distillery.robust;

import dev.distillery.data.TextTransform;

import java.util.ArrayList;
import java.util.List;

/**
 * The black-box greedy attack on one URL, as a state machine so that many URLs can be stepped in
 * lockstep and their candidates scored in shared batches. Each step proposes
 * {@link AttackOptions#candidatesPerStep()} distinct edits of the current URL, each from a family drawn
 * uniformly, and keeps the one that lowers P(phishing) most (greedy search over edit sequences, as in
 * the black-box text attacks of Gao et al. 2018, "DeepWordBug"). It stops on success (P below the
 * threshold), at the query budget, at the edit limit, or when no unseen candidate can be made.
 *
 * <p>Life cycle: {@link #start} with the clean probability, then alternately {@link #propose} and
 * {@link #accept} until {@link #done}, then {@link #result}.
 */
final class GreedyAttack {
    private final String original;
    private final AttackOptions options;
    private final Proposals proposals;
    private final List<Perturbation> edits = new ArrayList<>();
    private List<String> proposed = List.of();
    private String current;
    private float originalProbability = Float.NaN;
    private float currentProbability;
    private int queries;
    private boolean done;

    GreedyAttack(String url, AttackOptions options, TextTransform transform) {
        this.original = url;
        this.current = url;
        this.options = options;
        this.proposals = new Proposals(url, options.families(), transform, options.seed());
    }

    /** Records the clean query; an original already below the threshold is not attacked. */
    void start(float probability) {
        originalProbability = probability;
        currentProbability = probability;
        queries = 1;
        done = probability < options.threshold() || queries >= options.queryBudget();
    }

    boolean done() {
        return done;
    }

    /**
     * Distinct unseen candidates, as many as the step and the remaining budget allow; none means the
     * search is stuck and is over.
     */
    List<String> propose() {
        assert !done;
        int want = Math.min(options.candidatesPerStep(), options.queryBudget() - queries);
        List<String> out = proposals.next(current, want);
        proposed = out;
        if (out.isEmpty()) {
            done = true;
        }
        return out;
    }

    /** P(phishing) of the last proposal, in its order. */
    void accept(float[] probabilities) {
        assert probabilities.length == proposed.size();
        queries += probabilities.length;
        int best = -1;
        for (int i = 0; i < probabilities.length; i++) {
            if (best < 0 || probabilities[i] < probabilities[best]) {
                best = i;
            }
        }
        if (best >= 0 && probabilities[best] < currentProbability) {
            current = proposed.get(best);
            currentProbability = probabilities[best];
            edits.add(proposals.family(best));
        }
        done = currentProbability < options.threshold() || queries >= options.queryBudget()
                || edits.size() >= options.maxEdits();
    }

    AttackResult result() {
        boolean cleanCorrect = originalProbability >= options.threshold();
        return new AttackResult(original, current, originalProbability, currentProbability, queries, cleanCorrect,
                cleanCorrect && currentProbability < options.threshold(), edits);
    }
}
