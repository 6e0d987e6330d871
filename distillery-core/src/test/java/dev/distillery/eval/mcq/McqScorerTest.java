package dev.distillery.eval.mcq;

import dev.distillery.generate.LanguageModel;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.EncoderInput;
import dev.distillery.tokenize.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scoring on stories260K (a real llama2.c model with a SentencePiece-style tokenizer and a context of
 * 512): each option's log-likelihood equals the one read off a plain full forward pass over prompt and
 * answer, K-shot prompts included, and a prompt longer than the context is cut from the left with
 * BOS, the options and "Answer:" kept.
 */
class McqScorerTest {
    /**
     * The scorer runs the prompt through the KV cache, the reference runs everything in one pass: the
     * same float32 arithmetic in another order, then a log-softmax in double. Log-likelihoods are a few
     * units in size; 1e-4 is far above their float32 rounding and far below any difference a wrong
     * token or position makes (tenths).
     */
    private static final double ATOL = 1e-4;

    private static final McqPrompt P = McqPrompt.CYBERSECURITY;
    private static LanguageModel lm;

    @BeforeAll
    static void load() throws Exception {
        lm = LanguageModel.load(Path.of(McqScorerTest.class.getResource("/llama2c/stories260K").toURI()));
    }

    /**
     * log P(ids[from..]) given ids[..from) by one full forward pass without a cache over every token
     * but the last (which is only predicted).
     */
    static double reference(CausalLanguageModel model, int[] ids, int from) {
        int n = ids.length - 1;
        int[] ones = new int[n];
        Arrays.fill(ones, 1);
        float[] logits = model.logits(new EncoderInput(1, n, Arrays.copyOf(ids, n), new int[n], ones));
        int vocab = model.config().vocabSize();
        double lp = 0;
        for (int t = from; t <= n; t++) {
            lp += McqScorer.logSoftmax(Arrays.copyOfRange(logits, (t - 1) * vocab, t * vocab))[ids[t]];
        }
        return lp;
    }

    private static double[] referenceScores(String prompt, int options) {
        Tokenizer tok = lm.tokenizer();
        int[] p = tok.encode(prompt, Tokenizer.NO_TRUNCATION).ids();
        double[] out = new double[options];
        for (int i = 0; i < options; i++) {
            int[] ids = tok.encode(prompt + McqPrompt.continuation(String.valueOf((char) ('A' + i))), Tokenizer.NO_TRUNCATION).ids();
            assertTrue(Arrays.equals(p, Arrays.copyOf(ids, p.length)), "the answer leaves the prompt's tokens alone");
            out[i] = reference(lm.model(), ids, p.length);
        }
        return out;
    }

    @Test
    void optionLogLikelihoodsEqualAFullForwardPass() {
        McqScorer s = new McqScorer(lm.model(), lm.tokenizer(), P, List.of());
        McqScorer.Scored r = s.score(Questions.PORT);
        assertClose(referenceScores(P.prompt(Questions.PORT, List.of()), 4), r.logProbs(), 0, ATOL, "zero-shot");
        assertFalse(r.cut());
        assertEquals(lm.tokenizer().encode(P.prompt(Questions.PORT, List.of())).ids().length, r.promptTokens());
        assertEquals(1.0, Arrays.stream(r.probabilities()).sum(), 1e-12);
        String best = r.predicted();
        assertTrue(r.margin(best) >= 0);
        assertTrue(r.margin(best.equals("A") ? "B" : "A") < 0);

        List<McqQuestion> shots = McqShots.bundled().subList(0, 2);
        McqScorer k = new McqScorer(lm.model(), lm.tokenizer(), P, shots);
        assertClose(referenceScores(P.prompt(Questions.PORT, shots), 4),
                k.score(Questions.PORT).logProbs(), 0, ATOL, "two-shot");
        assertTrue(k.tokens() > s.tokens());
    }

    @Test
    void longPromptsAreCutFromTheLeftKeepingBosOptionsAndAnswer() {
        String longText = "Once upon a time a cat sat on a mat and looked at the sky. ".repeat(60) + "Which port does SSH use?";
        McqQuestion q = new McqQuestion(longText, Questions.PORT.options(), "A");
        McqScorer s = new McqScorer(lm.model(), lm.tokenizer(), P, List.of());
        McqScorer.Scored r = s.score(q);
        assertTrue(r.cut());
        assertFalse(r.optionsCut());
        String prompt = P.prompt(q, List.of());
        Tokenizer tok = lm.tokenizer();
        int[] p = tok.encode(prompt, Tokenizer.NO_TRUNCATION).ids();
        assertTrue(p.length > 512);
        int[][] full = new int[4][];
        int prefix = p.length;
        int longest = 0;
        for (int i = 0; i < 4; i++) {
            full[i] = tok.encode(prompt + McqPrompt.continuation(String.valueOf((char) ('A' + i))), Tokenizer.NO_TRUNCATION).ids();
            int k = 0;
            while (k < p.length && p[k] == full[i][k]) {
                k++;
            }
            prefix = Math.min(prefix, k);
        }
        for (int i = 0; i < 4; i++) {
            longest = Math.max(longest, full[i].length - prefix);
        }
        // the last answer token is predicted, never fed: BOS and the prompt's last tokens fill the rest
        int room = 512 - longest + 1;
        assertEquals(room, r.promptTokens());
        double[] expected = new double[4];
        for (int i = 0; i < 4; i++) {
            int tail = full[i].length - prefix;
            int[] cut = new int[room + tail];
            cut[0] = p[0]; // BOS
            System.arraycopy(p, prefix - (room - 1), cut, 1, room - 1);
            System.arraycopy(full[i], prefix, cut, room, tail);
            expected[i] = reference(lm.model(), cut, room);
        }
        assertClose(expected, r.logProbs(), 0, ATOL, "cut prompt");

        McqQuestion longOptions = Questions.of("Which?", "B", "a cat sat ".repeat(400), "b", "c", "d");
        McqScorer.Scored o = s.score(longOptions);
        assertTrue(o.cut() && o.optionsCut());
    }

    @Test
    void evaluationCountsBaselinesAndCuts() {
        McqScorer s = new McqScorer(lm.model(), lm.tokenizer(), P, List.of());
        List<McqQuestion> qs = List.of(Questions.PORT, Questions.HASH,
                Questions.of("x ".repeat(700), "B", "short", "much longer option"));
        McqEvaluation e = McqEvaluation.run(s, qs, null);
        assertEquals(3, e.questions());
        assertEquals((0.25 + 0.5 + 0.5) / 3, e.chance(), 1e-12);
        assertEquals(2 / 3.0, e.longestOptionBaseline(), 1e-12); // SHA-256 and the third are longest and right
        assertEquals(1, e.cut());
        int correct = 0;
        for (int i = 0; i < 3; i++) {
            McqScorer.Scored r = s.score(qs.get(i));
            assertEquals(r.predicted(), e.results().get(i).predicted());
            correct += r.predicted().equals(qs.get(i).answer()) ? 1 : 0;
        }
        assertEquals(correct, e.correct());
        assertEquals(correct / 3.0, e.toJson(true).get("accuracy").asDouble(), 1e-12);
        assertEquals(3, e.toJson(true).get("results").size());
        assertFalse(e.toJson(false).has("results"));
    }
}
