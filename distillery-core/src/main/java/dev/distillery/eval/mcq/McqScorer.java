package dev.distillery.eval.mcq;

import dev.distillery.model.CausalLanguageModel;
import dev.distillery.nn.KvCache;
import dev.distillery.tokenize.Tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * Answers a multiple-choice question with a causal language model by the log-likelihood of each
 * option's continuation ({@link McqPrompt#continuation}, a space and the letter) after the fixed prompt,
 * as the MMLU harness and lm-evaluation-harness score multiple choice: the option whose answer the
 * model finds likeliest is its answer. No text is generated, so a model that would ramble still
 * gets a score.
 *
 * <p>Tokenization is exact ({@link McqPrompt#tokens}): the prompt and each prompt-plus-continuation
 * are encoded whole, the prefix all options share runs once through the model, and each option's
 * remaining tokens (one, "▁B" or "ĠB", for the tokenizers here) are scored from its logits, with a
 * KV-cache step for any further token.
 *
 * <p>A prompt longer than the model's context is cut from the left: the tokens the tokenizer puts
 * first (BOS) stay, then as many of the prompt's last tokens as fit with the longest answer, so the
 * options and "Answer:" are kept and the shots and the start of the question go.
 * {@link Scored#cut()} says so, and {@link Scored#optionsCut()} when even the options did not fit.
 *
 * <p>Not thread-safe only in that it counts tokens; the model and tokenizer are shared read-only.
 * <pre>{@code
 * McqScorer s = new McqScorer(lm.model(), lm.tokenizer(), McqPrompt.CYBERSECURITY, List.of());
 * s.score(question).predicted();   // the letter of the likeliest option, e.g. "B"
 * }</pre>
 */
public final class McqScorer {
    private final CausalLanguageModel model;
    private final Tokenizer tokenizer;
    private final McqPrompt prompt;
    private final List<McqQuestion> shots;
    private final int context;
    private final int[] lead; // what the tokenizer puts before any text (BOS), [lead]
    private long tokens;
    private long modelNanos;

    /**
     * The scores of one question.
     *
     * @param letters      the options' letters, in the question's order
     * @param logProbs     log P(continuation of option i | prompt), summed over its tokens, [options]
     * @param promptTokens tokens of the prompt as the model saw it (after any cut)
     * @param cut          the prompt was longer than the context and was cut from the left
     * @param optionsCut   the cut reached into the options themselves
     */
    public record Scored(List<String> letters, double[] logProbs, int promptTokens, boolean cut, boolean optionsCut) {
        public Scored {
            letters = List.copyOf(letters);
        }

        /** The letter of the likeliest option, the first on a tie. */
        public String predicted() {
            int best = 0;
            for (int i = 1; i < logProbs.length; i++) {
                if (logProbs[i] > logProbs[best]) {
                    best = i;
                }
            }
            return letters.get(best);
        }

        /**
         * The log-probability of option {@code answer} minus the best other option's: below zero, the
         * model answers something else.
         */
        public double margin(String answer) {
            int a = letters.indexOf(answer);
            if (a < 0) {
                throw new IllegalArgumentException("no option " + answer + " among " + letters);
            }
            double other = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < logProbs.length; i++) {
                if (i != a) {
                    other = Math.max(other, logProbs[i]);
                }
            }
            return logProbs[a] - other;
        }

        /** P(option i) among the options: the softmax of {@link #logProbs}. */
        public double[] probabilities() {
            double max = Arrays.stream(logProbs).max().orElseThrow();
            double[] p = new double[logProbs.length];
            double sum = 0;
            for (int i = 0; i < p.length; i++) {
                p[i] = Math.exp(logProbs[i] - max);
                sum += p[i];
            }
            for (int i = 0; i < p.length; i++) {
                p[i] /= sum;
            }
            return p;
        }
    }

    /**
     * @param prompt the prompt format ({@link McqPrompt#CYBERSECURITY} for the cyber-mcq questions)
     * @param shots  solved questions put before every question (K-shot); empty for zero-shot
     */
    public McqScorer(CausalLanguageModel model, Tokenizer tokenizer, McqPrompt prompt, List<McqQuestion> shots) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.prompt = prompt;
        this.shots = List.copyOf(shots);
        this.context = model.config().maxPositions();
        this.lead = tokenizer.encode("", Tokenizer.NO_TRUNCATION).ids();
        if (tokenizer.vocabSize() > model.config().vocabSize()) {
            throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize() + " ids but the model only "
                    + model.config().vocabSize() + ": they do not belong together");
        }
    }

    public List<McqQuestion> shots() {
        return shots;
    }

    /** The model's context: the most tokens a prompt and answer may hold. */
    public int context() {
        return context;
    }

    /** Tokens run through the model so far (prompts and answer steps), for tokens/s. */
    public long tokens() {
        return tokens;
    }

    /** Wall time spent in the model's forward passes so far, tokenizing left out. */
    public long modelNanos() {
        return modelNanos;
    }

    public Scored score(McqQuestion q) {
        String text = prompt.prompt(q, shots);
        List<String> letters = q.letters();
        int n = letters.size();
        McqPrompt.Tokens[] withAnswer = new McqPrompt.Tokens[n];
        int prefix = Integer.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            withAnswer[i] = McqPrompt.tokens(tokenizer, text, McqPrompt.continuation(letters.get(i)));
            prefix = Math.min(prefix, withAnswer[i].continuationStart());
        }
        if (prefix == 0) {
            throw new IllegalStateException("the tokenizer encodes every answer of a question from its first token on: "
                    + "there is no prompt to condition on");
        }
        int[][] tails = new int[n][];
        int longest = 0;
        for (int i = 0; i < n; i++) {
            int[] ids = withAnswer[i].ids();
            tails[i] = Arrays.copyOfRange(ids, prefix, ids.length);
            longest = Math.max(longest, tails[i].length);
        }
        // the last answer token is predicted, never fed in: positions 0 .. prefix + longest − 2 must fit
        int room = context - longest + 1;
        int[] ids = Arrays.copyOf(withAnswer[0].ids(), prefix);
        boolean cut = prefix > room;
        boolean optionsCut = false;
        if (cut) {
            int keepLead = startsWith(ids, lead) ? lead.length : 0;
            int keep = room - keepLead;
            if (keep < 1) {
                throw new IllegalArgumentException("the model's context of " + context + " tokens cannot hold an answer of "
                        + longest + " tokens after a prompt");
            }
            int[] c = new int[keepLead + keep];
            System.arraycopy(ids, 0, c, 0, keepLead);
            System.arraycopy(ids, prefix - keep, c, keepLead, keep);
            optionsCut = keep < tokenizer.tokenize(options(q)).length;
            ids = c;
        }
        long start = System.nanoTime();
        KvCache cache = model.newCache(1, ids.length + longest - 1);
        double[] first = logSoftmax(model.nextLogits(ids, 1, ids.length, 0, cache));
        tokens += ids.length;
        double[] logProbs = new double[n];
        for (int i = 0; i < n; i++) {
            int[] t = tails[i];
            double lp = first[t[0]];
            for (int j = 1; j < t.length; j++) {
                // each option rewrites the cache from the prompt's end on, so options do not see each other
                double[] next = logSoftmax(model.nextLogits(new int[] {t[j - 1]}, 1, 1, ids.length + j - 1, cache));
                lp += next[t[j]];
                tokens++;
            }
            logProbs[i] = lp;
        }
        modelNanos += System.nanoTime() - start;
        return new Scored(letters, logProbs, ids.length, cut, optionsCut);
    }

    /** The part of the prompt a cut must keep: the options and "Answer:", the lines after the question's text. */
    private static String options(McqQuestion q) {
        String body = McqPrompt.body(q);
        return body.substring(q.question().strip().length() + 1);
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    private static boolean startsWith(int[] a, int[] prefix) {
        return a.length >= prefix.length && commonPrefix(a, prefix) == prefix.length;
    }

    /** log softmax in double, shifted by the maximum. */
    static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        double log = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = logits[i] - log;
        }
        return out;
    }
}
