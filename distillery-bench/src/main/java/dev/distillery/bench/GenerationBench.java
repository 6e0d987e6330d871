package dev.distillery.bench;

import dev.distillery.generate.Sampler;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.nn.KvCache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generation speed of causal language models: tokens per second of greedy decoding with a KV
 * cache, one token at a time after a short prompt, every token forced to the full count (no stop
 * token), the engines interleaved round by round so that all see the same machine state. The first
 * rounds are untimed warm-up (the JIT compiles the kernels there).
 *
 * <p>Each round of one engine: a fresh cache, the prompt as one batch, then {@code tokens} steps of
 * one token each, argmax of the logits fed back. Its speed is {@code tokens / seconds of the steps}.
 */
public final class GenerationBench {
    /** Median and quartiles of one engine's tokens per second over the timed rounds, and its weight bytes. */
    public record Figures(double tokensPerSecond, double q1, double q3, int rounds, long weightBytes) {
    }

    private final Map<String, CausalLanguageModel> engines;
    private final int[] prompt;
    private final int tokens;
    private final int warmupRounds;
    private final int rounds;

    public GenerationBench(Map<String, CausalLanguageModel> engines, int[] prompt, int tokens, int warmupRounds,
                           int rounds) {
        if (engines.isEmpty() || prompt.length == 0 || tokens <= 0 || rounds <= 0 || warmupRounds < 0) {
            throw new IllegalArgumentException("generation bench needs engines, a prompt, tokens and rounds");
        }
        for (Map.Entry<String, CausalLanguageModel> e : engines.entrySet()) {
            if (prompt.length + tokens > e.getValue().config().maxPositions()) {
                throw new IllegalArgumentException(prompt.length + " + " + tokens + " tokens exceed " + e.getKey()
                        + "'s context of " + e.getValue().config().maxPositions());
            }
        }
        this.engines = new LinkedHashMap<>(engines);
        this.prompt = prompt.clone();
        this.tokens = tokens;
        this.warmupRounds = warmupRounds;
        this.rounds = rounds;
    }

    public Map<String, Figures> run() {
        Map<String, List<Double>> speeds = new LinkedHashMap<>();
        engines.keySet().forEach(k -> speeds.put(k, new ArrayList<>()));
        List<String> order = new ArrayList<>(engines.keySet());
        for (int r = 0; r < warmupRounds + rounds; r++) {
            for (String name : order) {
                double speed = round(engines.get(name));
                if (r >= warmupRounds) {
                    speeds.get(name).add(speed);
                }
            }
            java.util.Collections.reverse(order); // neither engine always runs right after the other
        }
        Map<String, Figures> out = new LinkedHashMap<>();
        speeds.forEach((name, s) -> {
            double[] v = s.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            out.put(name, new Figures(MultiBench.quantile(v, 0.5), MultiBench.quantile(v, 0.25), MultiBench.quantile(v, 0.75), v.length,
                    engines.get(name).bytes()));
        });
        return out;
    }

    /** Tokens per second of one round's single-token steps. */
    private double round(CausalLanguageModel lm) {
        KvCache cache = lm.newCache(1, prompt.length + tokens);
        int vocab = lm.config().vocabSize();
        Sampler greedy = Sampler.greedy();
        float[] logits = lm.nextLogits(prompt, 1, prompt.length, 0, cache);
        long start = System.nanoTime();
        for (int t = 0; t < tokens; t++) {
            int next = greedy.sample(logits, 0, vocab);
            logits = lm.nextLogits(new int[] {next}, 1, 1, prompt.length + t, cache);
        }
        return tokens / ((System.nanoTime() - start) / 1e9);
    }

    @Override
    public String toString() {
        return "GenerationBench" + engines.keySet() + ", prompt " + Arrays.toString(prompt) + ", " + tokens + " tokens";
    }
}
