package dev.distillery.robust;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a quantized model and its full-precision reference disagree. {@link #measure} counts the
 * inputs whose predicted class differs; {@link #search} looks for such inputs on purpose, near the
 * decision boundary, where small logit errors flip a prediction: it walks each URL with the same
 * phishing-preserving edits as the attack, greedily toward P_reference = threshold, and stops at the
 * first edit on which the two models disagree. The AQUA-LLM study finds quantization
 * alone can lose up to a quarter of adversarial robustness; this is the check that finds the inputs.
 * <pre>{@code
 * QuantizationDivergence.measure(Scorer.of(fp32), Scorer.of(int8), testUrls, 0.5f).rate();        // e.g. 0.004
 * QuantizationDivergence.search(Scorer.of(fp32), Scorer.of(int8), phishing, options).foundRate(); // e.g. 0.21
 * }</pre>
 */
public final class QuantizationDivergence {
    private QuantizationDivergence() {
    }

    /**
     * One input the two models classify differently.
     *
     * @param original              the URL the search started from (the text itself for {@link #measure})
     * @param text                  the input, as the models see it
     * @param referenceProbability  the reference's P(positive)
     * @param quantizedProbability  the quantized model's P(positive)
     */
    public record Disagreement(String original, String text, float referenceProbability, float quantizedProbability) {
    }

    /**
     * @param texts         inputs compared
     * @param disagreements those classified differently, in input order
     * @param rate          disagreements / texts
     */
    public record DivergenceResult(int texts, List<Disagreement> disagreements, double rate) {
        public DivergenceResult {
            disagreements = List.copyOf(disagreements);
        }
    }

    /**
     * @param urls          URLs searched from
     * @param found         one disagreement per URL where the search found one, in input order
     * @param foundRate     URLs with a disagreement found / urls
     * @param meanQueries   mean inputs scored per URL (each by both models), the original included
     */
    public record BoundarySearchResult(int urls, List<Disagreement> found, double foundRate, double meanQueries) {
        public BoundarySearchResult {
            found = List.copyOf(found);
        }
    }

    /** The share of {@code texts} that the two models put on different sides of {@code threshold}. */
    public static DivergenceResult measure(Scorer reference, Scorer quantized, List<String> texts, float threshold) {
        float[] r = Robustness.score(reference, texts);
        float[] q = Robustness.score(quantized, texts);
        List<Disagreement> out = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            if ((r[i] >= threshold) != (q[i] >= threshold)) {
                out.add(new Disagreement(texts.get(i), texts.get(i), r[i], q[i]));
            }
        }
        return new DivergenceResult(texts.size(), out, texts.isEmpty() ? Double.NaN : (double) out.size() / texts.size());
    }

    /**
     * Searches from each URL toward the reference's decision boundary; {@code options} give the budget (inputs
     * scored per URL, each by both models), candidates per step, edit limit, threshold, seed and families.
     */
    public static BoundarySearchResult search(Scorer reference, Scorer quantized, List<String> urls, AttackOptions options) {
        List<Walk> walks = new ArrayList<>();
        for (String url : urls) {
            walks.add(new Walk(url, options, reference));
        }
        float[] r0 = Robustness.score(reference, urls);
        float[] q0 = Robustness.score(quantized, urls);
        for (int i = 0; i < walks.size(); i++) {
            walks.get(i).start(r0[i], q0[i]);
        }
        while (true) {
            List<Walk> active = new ArrayList<>();
            List<String> batch = new ArrayList<>();
            for (Walk w : walks) {
                if (!w.done) {
                    List<String> p = w.propose();
                    if (!p.isEmpty()) {
                        active.add(w);
                        batch.addAll(p);
                    }
                }
            }
            if (active.isEmpty()) {
                break;
            }
            float[] r = Robustness.score(reference, batch);
            float[] q = Robustness.score(quantized, batch);
            int off = 0;
            for (Walk w : active) {
                int n = w.proposed.size();
                w.accept(r, q, off);
                off += n;
            }
        }
        List<Disagreement> found = new ArrayList<>();
        long queries = 0;
        for (Walk w : walks) {
            queries += w.queries;
            if (w.found != null) {
                found.add(w.found);
            }
        }
        return new BoundarySearchResult(urls.size(), found, urls.isEmpty() ? Double.NaN : (double) found.size() / urls.size(),
                urls.isEmpty() ? Double.NaN : (double) queries / urls.size());
    }

    /** One URL's greedy walk toward |P_reference − threshold| = 0. */
    private static final class Walk {
        final String original;
        final AttackOptions options;
        final Proposals proposals;
        List<String> proposed = List.of();
        String current;
        float distance;
        int queries;
        int edits;
        boolean done;
        Disagreement found;

        Walk(String url, AttackOptions options, Scorer reference) {
            this.original = url;
            this.current = url;
            this.options = options;
            this.proposals = new Proposals(url, options.families(), reference.transform(), options.seed());
        }

        void start(float r, float q) {
            queries = 1;
            distance = Math.abs(r - options.threshold());
            if ((r >= options.threshold()) != (q >= options.threshold())) {
                found = new Disagreement(original, original, r, q);
            }
            done = found != null || queries >= options.queryBudget();
        }

        List<String> propose() {
            proposed = proposals.next(current, Math.min(options.candidatesPerStep(), options.queryBudget() - queries));
            done = proposed.isEmpty();
            return proposed;
        }

        void accept(float[] r, float[] q, int off) {
            int n = proposed.size();
            queries += n;
            int best = -1;
            for (int i = 0; i < n && found == null; i++) {
                float t = options.threshold();
                if ((r[off + i] >= t) != (q[off + i] >= t)) {
                    found = new Disagreement(original, proposed.get(i), r[off + i], q[off + i]);
                } else if (best < 0 || Math.abs(r[off + i] - t) < Math.abs(r[off + best] - t)) {
                    best = i;
                }
            }
            if (found == null && best >= 0 && Math.abs(r[off + best] - options.threshold()) < distance) {
                current = proposed.get(best);
                distance = Math.abs(r[off + best] - options.threshold());
                edits++;
            }
            done = found != null || queries >= options.queryBudget() || edits >= options.maxEdits();
        }
    }
}
