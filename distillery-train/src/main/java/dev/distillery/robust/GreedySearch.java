package dev.distillery.robust;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The black-box greedy attack on one item, as a state machine so that many items can be stepped in
 * lockstep and their candidates scored in shared batches ({@link #runLockstep}). The attacker drives
 * a score down: P(phishing) of a URL, or the right answer's log-likelihood margin over the best wrong
 * one for a question. Each step proposes up to {@code candidatesPerStep} distinct edits of the
 * current item ({@link Neighbours}) and keeps the one that lowers the score most (greedy search over
 * edit sequences, as in the black-box text attacks of Gao et al. 2018, "DeepWordBug"). It stops on
 * success (the score below the threshold), at the query budget, at the edit limit, or when no unseen
 * candidate can be made.
 *
 * <p>Life cycle: {@link #start} with the clean score, then alternately {@link #propose} and
 * {@link #accept} until {@link #done}; then read the outcome.
 *
 * @param <T> the item attacked
 * @param <E> the edit families reported in {@link #edits()}
 */
final class GreedySearch<T, E> {
    private final T original;
    private final Neighbours<T, E> neighbours;
    private final int queryBudget;
    private final int candidatesPerStep;
    private final int maxEdits;
    private final double threshold;
    private final List<E> edits = new ArrayList<>();
    private List<T> proposed = List.of();
    private T current;
    private double originalScore = Double.NaN;
    private double currentScore;
    private int queries;
    private boolean done;

    /**
     * @param queryBudget model queries for this item, the clean query included; never exceeded
     * @param threshold   the attack succeeds once the score is below it; an item scored below it clean
     *                    is not attacked
     */
    GreedySearch(T original, Neighbours<T, E> neighbours, int queryBudget, int candidatesPerStep, int maxEdits,
                 double threshold) {
        this.original = original;
        this.current = original;
        this.neighbours = neighbours;
        this.queryBudget = queryBudget;
        this.candidatesPerStep = candidatesPerStep;
        this.maxEdits = maxEdits;
        this.threshold = threshold;
    }

    /** Records the clean query; an original already below the threshold is not attacked. */
    void start(double score) {
        originalScore = score;
        currentScore = score;
        queries = 1;
        done = score < threshold || queries >= queryBudget;
    }

    boolean done() {
        return done;
    }

    /**
     * Distinct unseen candidates, as many as the step and the remaining budget allow; none means the
     * search is stuck and is over.
     */
    List<T> propose() {
        assert !done;
        List<T> out = neighbours.next(current, Math.min(candidatesPerStep, queryBudget - queries));
        proposed = out;
        if (out.isEmpty()) {
            done = true;
        }
        return out;
    }

    /** The scores of the last proposal, in its order. */
    void accept(double[] scores) {
        assert scores.length == proposed.size();
        queries += scores.length;
        int best = -1;
        for (int i = 0; i < scores.length; i++) {
            if (best < 0 || scores[i] < scores[best]) {
                best = i;
            }
        }
        if (best >= 0 && scores[best] < currentScore) {
            current = proposed.get(best);
            currentScore = scores[best];
            edits.add(neighbours.family(best));
        }
        done = currentScore < threshold || queries >= queryBudget || edits.size() >= maxEdits;
    }

    T original() {
        return original;
    }

    /** The best edited item found (the original when no edit lowered the score). */
    T current() {
        return current;
    }

    double originalScore() {
        return originalScore;
    }

    double currentScore() {
        return currentScore;
    }

    int queries() {
        return queries;
    }

    /** The clean item scored at or above the threshold, so it was attacked at all. */
    boolean cleanCorrect() {
        return originalScore >= threshold;
    }

    /** An attacked item ended below the threshold. */
    boolean success() {
        return cleanCorrect() && currentScore < threshold;
    }

    /** The families of the accepted edits, in order. */
    List<E> edits() {
        return List.copyOf(edits);
    }

    /**
     * Runs every search to the end: the clean items are scored in one call, then each round scores
     * the candidates of all unfinished searches together.
     *
     * @param score scores of items, one per item, in order
     */
    static <T, E> void runLockstep(List<GreedySearch<T, E>> searches, Function<List<T>, double[]> score) {
        double[] clean = score.apply(searches.stream().map(GreedySearch::original).toList());
        for (int i = 0; i < searches.size(); i++) {
            searches.get(i).start(clean[i]);
        }
        while (true) {
            List<GreedySearch<T, E>> active = new ArrayList<>();
            List<T> batch = new ArrayList<>();
            List<Integer> counts = new ArrayList<>();
            for (GreedySearch<T, E> a : searches) {
                if (!a.done()) {
                    List<T> proposal = a.propose();
                    if (!proposal.isEmpty()) {
                        active.add(a);
                        batch.addAll(proposal);
                        counts.add(proposal.size());
                    }
                }
            }
            if (active.isEmpty()) {
                return;
            }
            double[] p = score.apply(batch);
            int off = 0;
            for (int i = 0; i < active.size(); i++) {
                int n = counts.get(i);
                double[] mine = new double[n];
                System.arraycopy(p, off, mine, 0, n);
                active.get(i).accept(mine);
                off += n;
            }
        }
    }
}
