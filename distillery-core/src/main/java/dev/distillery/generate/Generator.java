package dev.distillery.generate;

import dev.distillery.model.CausalLanguageModel;
import dev.distillery.nn.KvCache;
import dev.distillery.tokenize.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Autoregressive generation with a KV cache: the prompt runs once as one batch of tokens, then
 * each new token costs one token's forward pass. Text is streamed as it becomes whole (a
 * multi-byte character split over byte-fallback tokens is held back until complete).
 * <pre>{@code
 * Generator.Result r = new Generator(model, tokenizer).generate(promptIds, 100, Sampler.greedy(), System.out::print);
 * r.tokensPerSecond();
 * }</pre>
 */
public final class Generator {
    private final CausalLanguageModel model;
    private final Tokenizer tokenizer;
    private final Set<Integer> stopIds;

    /**
     * @param tokenizer decodes the streamed text; null to generate ids only
     * @param stopIds tokens that end generation (the model's end-of-sequence ids); generated but not printed
     */
    public Generator(CausalLanguageModel model, Tokenizer tokenizer, Set<Integer> stopIds) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.stopIds = Set.copyOf(stopIds);
    }

    /**
     * @param ids              generated ids, the stop token included when one ended generation
     * @param text             their text, special tokens left out
     * @param promptSeconds    time to run the prompt
     * @param generateSeconds  time to generate every new token after the prompt
     */
    public record Result(List<Integer> ids, String text, int promptTokens, double promptSeconds,
                         double generateSeconds) {
        /** New tokens per second of the generation phase (the first token's cost is the prompt's). */
        public double tokensPerSecond() {
            return ids.size() <= 1 || generateSeconds <= 0 ? 0 : (ids.size() - 1) / generateSeconds;
        }
    }

    /**
     * Generates up to {@code maxTokens} tokens after {@code prompt} (which must hold at least one
     * token, such as BOS), stopping early at a stop token or the model's context length.
     *
     * @param out receives the text as it is generated; may be null
     */
    public Result generate(int[] prompt, int maxTokens, Sampler sampler, Consumer<String> out) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt must hold at least one token (BOS for an empty prompt)");
        }
        int context = model.config().maxPositions();
        if (prompt.length >= context) {
            throw new IllegalArgumentException("the prompt's " + prompt.length + " tokens fill the model's context of "
                    + context);
        }
        int capacity = Math.min(context, prompt.length + maxTokens);
        KvCache cache = model.newCache(1, capacity);
        int vocab = model.config().vocabSize();
        long start = System.nanoTime();
        float[] logits = model.nextLogits(prompt, 1, prompt.length, 0, cache);
        long promptDone = System.nanoTime();
        List<Integer> ids = new ArrayList<>();
        String printed = "";
        int position = prompt.length;
        while (ids.size() < maxTokens) {
            int next = sampler.sample(logits, 0, vocab);
            ids.add(next);
            if (stopIds.contains(next)) {
                break;
            }
            String text = tokenizer == null ? "" : tokenizer.decode(ids.stream().mapToInt(Integer::intValue).toArray(), true);
            if (out != null && text.length() > printed.length() && !text.endsWith("\uFFFD") && text.startsWith(printed)) {
                out.accept(text.substring(printed.length()));
                printed = text;
            }
            if (position >= capacity) {
                break;
            }
            logits = model.nextLogits(new int[] {next}, 1, 1, position++, cache);
        }
        long end = System.nanoTime();
        String text = tokenizer == null ? "" : tokenizer.decode(ids.stream().filter(i -> !stopIds.contains(i))
                .mapToInt(Integer::intValue).toArray(), true);
        if (out != null && text.length() > printed.length() && text.startsWith(printed)) {
            out.accept(text.substring(printed.length()));
        }
        return new Result(List.copyOf(ids), text, prompt.length, (promptDone - start) / 1e9, (end - promptDone) / 1e9);
    }
}
