package dev.distillery.robust;

import dev.distillery.data.TextTransform;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

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
    /** Proposal attempts per wanted candidate before giving up; edits that change nothing are retried. */
    private static final int ATTEMPTS_PER_CANDIDATE = 4;

    private final String original;
    private final AttackOptions options;
    private final TextTransform transform;
    private final SplittableRandom rng;
    private final Set<String> seen = new HashSet<>();
    private final List<Perturbation> edits = new ArrayList<>();
    private final List<Perturbation> proposedFamilies = new ArrayList<>();
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
        this.transform = transform;
        // seeded by the text, not its position, so a URL's attack does not depend on its neighbours
        this.rng = new SplittableRandom(options.seed() * 0x9E3779B97F4A7C15L + url.hashCode());
        seen.add(url);
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
        List<String> out = new ArrayList<>(want);
        proposedFamilies.clear();
        List<Perturbation> families = options.families();
        for (int attempt = 0; attempt < want * ATTEMPTS_PER_CANDIDATE && out.size() < want; attempt++) {
            Perturbation family = families.get(rng.nextInt(families.size()));
            String candidate = transform.apply(family.apply(current, rng));
            if (!candidate.isEmpty() && seen.add(candidate)) {
                out.add(candidate);
                proposedFamilies.add(family);
            }
        }
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
            edits.add(proposedFamilies.get(best));
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
