package dev.distillery.eval.mcq;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.report.Progress;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A model's answers to a set of questions, with the baselines a score must be read against: chance
 * (one over the number of options, averaged over questions) and the longest-option shortcut
 * ({@link #longestOption}), which scores about 0.41 on CyberMetric without reading the question.
 * <pre>{@code
 * McqEvaluation e = McqEvaluation.run(new McqScorer(model, tokenizer, McqPrompt.CYBERSECURITY, shots), questions, System.err);
 * e.accuracy();   // e.g. 0.262 for a model that knows nothing, beside e.chance() = 0.25
 * }</pre>
 *
 * @param questions             questions scored
 * @param correct               of them, answered right
 * @param chance                expected accuracy of a uniform guess
 * @param longestOptionBaseline accuracy of always picking the longest option
 * @param cut                   prompts cut from the left to fit the context
 * @param optionsCut            of those, prompts whose options themselves were cut
 * @param shots                 solved questions before each question
 * @param tokens                tokens run through the model (prompts and multi-token answers)
 * @param modelSeconds          wall time of the model's forward passes
 * @param seconds               wall time of the scoring, tokenizing included
 * @param results               one per question, in input order
 */
public record McqEvaluation(int questions, int correct, double chance, double longestOptionBaseline, int cut,
                            int optionsCut, int shots, long tokens, double modelSeconds, double seconds,
                            List<Answer> results) {
    public McqEvaluation {
        results = List.copyOf(results);
    }

    /**
     * One question's result.
     *
     * @param index     position in the question file's order, from 0
     * @param answer    the right option's letter
     * @param predicted the letter of the option the model likes best
     * @param logProbs  log-likelihood of each option's continuation, in the question's option order
     */
    public record Answer(int index, String answer, String predicted, double[] logProbs, int promptTokens, boolean cut,
                         boolean optionsCut) {
        public boolean correct() {
            return answer.equals(predicted);
        }
    }

    public double accuracy() {
        return questions == 0 ? Double.NaN : (double) correct / questions;
    }

    /** Tokens per second of the model's forward passes (prompt processing, batch 1). */
    public double tokensPerSecond() {
        return modelSeconds <= 0 ? Double.NaN : tokens / modelSeconds;
    }

    /**
     * The letter of the longest option (by characters, the first on a tie): the length shortcut a
     * model can learn without knowing anything, reported beside its score.
     */
    public static String longestOption(McqQuestion q) {
        String best = null;
        for (var e : q.options().entrySet()) {
            if (best == null || e.getValue().length() > q.options().get(best).length()) {
                best = e.getKey();
            }
        }
        return best;
    }

    /** Scores every question, with a progress bar on {@code progress} (null for none). */
    public static McqEvaluation run(McqScorer scorer, List<McqQuestion> questions, PrintStream progress) {
        List<Answer> results = new ArrayList<>(questions.size());
        long tokensBefore = scorer.tokens();
        long nanosBefore = scorer.modelNanos();
        long start = System.nanoTime();
        try (Progress bar = progress == null ? null : Progress.on(progress, "mcq", questions.size(), "q")) {
            for (int i = 0; i < questions.size(); i++) {
                McqQuestion q = questions.get(i);
                McqScorer.Scored s = scorer.score(q);
                results.add(new Answer(i, q.answer(), s.predicted(), s.logProbs(), s.promptTokens(), s.cut(),
                        s.optionsCut()));
                if (bar != null) {
                    bar.advance(1);
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return of(questions, results, scorer.shots().size(), scorer.tokens() - tokensBefore,
                (scorer.modelNanos() - nanosBefore) / 1e9, seconds);
    }

    /** Counts and baselines of {@code results} over {@code questions} (same order). */
    public static McqEvaluation of(List<McqQuestion> questions, List<Answer> results, int shots, long tokens,
                                   double modelSeconds, double seconds) {
        if (questions.size() != results.size()) {
            throw new IllegalArgumentException(results.size() + " results for " + questions.size() + " questions");
        }
        int correct = 0;
        int cut = 0;
        int optionsCut = 0;
        int longest = 0;
        double chance = 0;
        for (int i = 0; i < questions.size(); i++) {
            McqQuestion q = questions.get(i);
            Answer a = results.get(i);
            correct += a.correct() ? 1 : 0;
            cut += a.cut() ? 1 : 0;
            optionsCut += a.optionsCut() ? 1 : 0;
            longest += longestOption(q).equals(q.answer()) ? 1 : 0;
            chance += 1.0 / q.options().size();
        }
        int n = questions.size();
        return new McqEvaluation(n, correct, n == 0 ? Double.NaN : chance / n, n == 0 ? Double.NaN : (double) longest / n,
                cut, optionsCut, shots, tokens, modelSeconds, seconds, results);
    }

    /**
     * {@code {"questions", "correct", "accuracy", "chance", "longestOptionBaseline", "cut", "optionsCut", "shots",
     * "tokens", "modelSeconds", "seconds", "tokensPerSecond"}}, and with {@code perQuestion} a "results" array of
     * {@code {"index", "answer", "predicted", "correct", "logProbs", "promptTokens", "cut"}} (letters for options;
     * no question text, which belongs to the data file).
     */
    public ObjectNode toJson(boolean perQuestion) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("questions", questions);
        o.put("correct", correct);
        o.put("accuracy", accuracy());
        o.put("chance", chance);
        o.put("longestOptionBaseline", longestOptionBaseline);
        o.put("cut", cut);
        o.put("optionsCut", optionsCut);
        o.put("shots", shots);
        o.put("tokens", tokens);
        o.put("modelSeconds", modelSeconds);
        o.put("seconds", seconds);
        o.put("tokensPerSecond", tokensPerSecond());
        if (perQuestion) {
            ArrayNode list = o.putArray("results");
            for (Answer a : results) {
                ObjectNode r = list.addObject();
                r.put("index", a.index());
                r.put("answer", a.answer());
                r.put("predicted", a.predicted());
                r.put("correct", a.correct());
                ArrayNode lp = r.putArray("logProbs");
                for (double v : a.logProbs()) {
                    lp.add(v);
                }
                r.put("promptTokens", a.promptTokens());
                r.put("cut", a.cut());
            }
        }
        return o;
    }
}
