package dev.distillery.robust;

import dev.distillery.eval.mcq.McqQuestion;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Distinct, never-seen edits of a question for one search, each by a family drawn uniformly. Seeded
 * by the search's seed and the question's text, so a question's search does not depend on the
 * others or their order. Questions are told apart by text, options and answer together.
 */
final class QuestionEdits implements Neighbours<McqQuestion, QuestionEdit> {
    /** Attempts per wanted candidate before giving up; edits that change nothing or repeat are retried. */
    private static final int ATTEMPTS_PER_CANDIDATE = 4;

    private final List<QuestionEdit> families;
    private final SplittableRandom rng;
    private final Set<McqQuestion> seen = new HashSet<>();
    private final List<QuestionEdit> lastFamilies = new ArrayList<>();

    QuestionEdits(McqQuestion original, List<QuestionEdit> families, long seed) {
        this.families = families;
        this.rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + original.question().hashCode());
        seen.add(original);
    }

    @Override
    public List<McqQuestion> next(McqQuestion current, int want) {
        List<McqQuestion> out = new ArrayList<>(want);
        lastFamilies.clear();
        for (int attempt = 0; attempt < want * ATTEMPTS_PER_CANDIDATE && out.size() < want; attempt++) {
            QuestionEdit family = families.get(rng.nextInt(families.size()));
            McqQuestion candidate = family.apply(current, rng);
            if (seen.add(candidate)) {
                out.add(candidate);
                lastFamilies.add(family);
            }
        }
        return out;
    }

    @Override
    public QuestionEdit family(int i) {
        return lastFamilies.get(i);
    }
}
