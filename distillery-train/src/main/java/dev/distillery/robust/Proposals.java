package dev.distillery.robust;

import dev.distillery.data.TextTransform;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Distinct, never-seen edits of a URL for one search: each candidate is one edit of a family drawn
 * uniformly, put through the model's text transform. Seeded by the search's seed and the original
 * text, not its position, so a URL's search does not depend on its neighbours.
 */
final class Proposals implements Neighbours<String, Perturbation> {
    /** Attempts per wanted candidate before giving up; edits that change nothing or repeat are retried. */
    private static final int ATTEMPTS_PER_CANDIDATE = 4;

    private final List<Perturbation> families;
    private final TextTransform transform;
    private final SplittableRandom rng;
    private final Set<String> seen = new HashSet<>();
    private final List<Perturbation> lastFamilies = new ArrayList<>();

    Proposals(String original, List<Perturbation> families, TextTransform transform, long seed) {
        this.families = families;
        this.transform = transform;
        this.rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + original.hashCode());
        seen.add(original);
    }

    @Override
    public List<String> next(String current, int want) {
        List<String> out = new ArrayList<>(want);
        lastFamilies.clear();
        for (int attempt = 0; attempt < want * ATTEMPTS_PER_CANDIDATE && out.size() < want; attempt++) {
            Perturbation family = families.get(rng.nextInt(families.size()));
            String candidate = transform.apply(family.apply(current, rng));
            if (!candidate.isEmpty() && seen.add(candidate)) {
                out.add(candidate);
                lastFamilies.add(family);
            }
        }
        return out;
    }

    @Override
    public Perturbation family(int i) {
        return lastFamilies.get(i);
    }
}
