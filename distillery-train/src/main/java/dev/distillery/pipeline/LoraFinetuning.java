package dev.distillery.pipeline;

import dev.distillery.classify.Classifier;
import dev.distillery.data.TextCorpus;
import dev.distillery.io.Checkpoint;
import dev.distillery.io.DType;
import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.lora.FrozenBase;
import dev.distillery.lora.LoraConfig;
import dev.distillery.lora.LoraModels;
import dev.distillery.lora.PeftAdapter;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
import dev.distillery.model.TokenSequences;
import dev.distillery.quant.QuantizedDecoder;
import dev.distillery.tensor.Tensor;
import dev.distillery.tokenize.BpeTokenizer;
import dev.distillery.tokenize.Tokenizer;
import dev.distillery.tokenize.Tokenizers;
import dev.distillery.train.CausalLmTask;
import dev.distillery.train.Trainer;
import dev.distillery.train.TrainingListener;
import dev.distillery.train.TrainingResult;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * LoRA and QLoRA fine-tuning of a decoder on plain text: the base is read frozen in the chosen
 * format (FP32, or 4-bit and never widened back: the adapters' gradients flow through the packed
 * weights), fresh adapters are put on the targeted projections, {@link Trainer} trains them on the
 * causal-LM loss ({@link CausalLmTask}; checkpoints in {@code out/.checkpoints}, resumable) and the
 * adapter is saved in PEFT's layout ({@link PeftAdapter}) to {@code out}. With {@code merge} the
 * base's FP32 weights with the adapter merged in are written too, to {@code out/merged}.
 *
 * <p>Each text becomes one example: the tokenizer's encoding (a Llama 2 tokenizer puts BOS first)
 * followed by the end-of-sequence token, cut to the maximum length; every position is scored. A
 * prompt-completion example is the prompt's encoding, then the completion's tokens and the
 * end-of-sequence token, and only the completion and end-of-sequence are scored. Examples left
 * with nothing to predict (a text of fewer than two tokens, a completion cut away) are skipped and
 * counted.
 * <pre>{@code
 * LoraFinetuneResult r = LoraFinetuning.run(options, new ConsoleProgress(), System.err);
 * }</pre>
 */
public final class LoraFinetuning {
    /** Folder under the output folder that holds the training checkpoints. */
    public static final String CHECKPOINTS = TeacherTraining.CHECKPOINTS;
    /** Folder under the output folder for the merged model. */
    public static final String MERGED = "merged";
    private static final int DEFAULT_MAX_LENGTH = 256;

    private LoraFinetuning() {
    }

    public static LoraFinetuneResult run(LoraFinetuneOptions o, TrainingListener progress, PrintStream log)
            throws IOException {
        if (o.merge() && Files.isDirectory(o.model()) && QuantizedDecoder.isQuantizedDecoder(o.model())) {
            throw new IllegalArgumentException(o.model() + " is a quantized folder; a merge needs the FP32 weights of the "
                    + "model it came from: fine-tune that model with --base-format to train on a 4-bit base");
        }
        TextCorpus corpus = TextCorpus.read(o.data());
        TextCorpus validationCorpus = o.validation() == null ? null : TextCorpus.read(o.validation());
        try (FrozenBase base = FrozenBase.load(o.model(), o.baseFormat())) {
            ModelConfig config = base.config();
            Tokenizer tokenizer = Tokenizers.load(base.tokenizerDir());
            int maxLength = o.maxLength() > 0 ? o.maxLength() : Math.min(DEFAULT_MAX_LENGTH, config.maxPositions());
            if (maxLength > config.maxPositions()) {
                throw new IllegalArgumentException("the maximum length " + maxLength + " exceeds the "
                        + config.maxPositions() + " positions the model takes");
            }
            int eos = eosId(config, tokenizer);
            Tokenized train = tokenize(corpus, tokenizer, eos, maxLength, o.windows());
            Tokenized validation = validationCorpus == null ? null
                    : tokenize(validationCorpus, tokenizer, eos, maxLength, o.windows());
            log.printf("data: %s: %d examples, %d scored tokens (%d skipped with nothing to predict, %d %s %d tokens)%n",
                    o.data(), train.sequences.size(), train.sequences.scoredTokens(), train.skipped, train.truncated,
                    o.windows() ? "split into windows of" : "cut to", maxLength);
            if (validation != null) {
                log.printf("      %s: %d examples, %d scored tokens%n", o.validation(), validation.sequences.size(),
                        validation.sequences.scoredTokens());
            }

            LoraConfig lora = new LoraConfig(o.rank(), o.alpha(), o.dropout(),
                    LoraConfig.resolveTargets(config, o.targets()), o.bias());
            CausalLanguageModel lm = LoraModels.training(base, lora, o.training().seed());
            lm.decoder().gradientCheckpointing(o.gradientCheckpointing());
            long trainable = lm.parameters().stream().mapToLong(p -> p.value().size()).sum();
            log.printf("model: %s %s base (%s, %.1f MB held), LoRA r=%d α=%s on %s: %d trainable parameters "
                            + "(%.2f%% of %d)%n", config.family(), o.model(), base.format(), lm.bytes() / 1e6,
                    lora.rank(), lora.alpha(), String.join(",", lora.targets()), trainable,
                    100.0 * trainable / lm.parameterCount(), lm.parameterCount());

            String description = config + " base " + base.format() + " lora r=" + lora.rank() + " alpha=" + lora.alpha()
                    + " dropout=" + lora.dropout() + " targets=" + lora.targets() + " bias=" + lora.bias().id()
                    + " max length " + maxLength;
            CausalLmTask task = new CausalLmTask(lm, description, train.sequences,
                    validation == null ? null : validation.sequences, o.training().evalBatchSize());
            Path checkpoints = o.out().resolve(CHECKPOINTS);
            Files.createDirectories(checkpoints);
            TeacherTraining.StepClock clock = new TeacherTraining.StepClock(progress);
            Trainer trainer = new Trainer(task, o.training()).checkpointDir(checkpoints).listener(clock);
            TrainingResult training = o.resume() ? trainer.resume() : trainer.fit();

            PeftAdapter adapter = PeftAdapter.of(config, lora, o.model().toString(), lm.parameters());
            adapter.write(o.out());
            Path merged = null;
            if (o.merge()) {
                merged = o.out().resolve(MERGED);
                merge(o.model(), adapter, o.out(), merged);
            }
            TeacherTraining.deleteTree(checkpoints);
            return new LoraFinetuneResult(lora, base.format(), train.sequences.size(), train.skipped, trainable,
                    lm.bytes(), training, clock.steps, clock.stepNanos / 1e9, o.out(), merged);
        }
    }

    /**
     * True when {@code model} names an encoder to fine-tune as a classifier (the bundled
     * {@code minilm}, or a folder whose config.json describes a family without an output layer)
     * rather than a decoder.
     */
    public static boolean isEncoder(Path model) {
        if (model.toString().equals(Classifier.MINILM)) {
            return true;
        }
        return Files.isRegularFile(model.resolve(Checkpoint.CONFIG)) && !DecoderCheckpoint.isDecoderFolder(model)
                && !QuantizedDecoder.isQuantizedDecoder(model);
    }

    /**
     * Writes the FP32 decoder at {@code model} with the adapter of {@code adapterDir} merged in to
     * {@code out} (a Hugging Face folder with the base's tokenizer).
     */
    public static void merge(Path model, Path adapterDir, Path out) throws IOException {
        if (Files.isDirectory(model) && QuantizedDecoder.isQuantizedDecoder(model)) {
            throw new IllegalArgumentException(model + " is a quantized folder; merge into the FP32 model it came from");
        }
        merge(model, PeftAdapter.read(adapterDir), adapterDir, out);
    }

    private static void merge(Path model, PeftAdapter adapter, Path adapterDir, Path out) throws IOException {
        DecoderCheckpoint c = DecoderCheckpoint.load(model);
        Map<String, Tensor> merged = LoraModels.merge(c.config(), c.weights(), adapter, adapterDir);
        DecoderCheckpoint.write(out, c.config(), merged, c.tokenizerDir(), DType.F32);
    }

    /** The tokenizer's end-of-sequence id, else the model config's first; -1 when neither names one. */
    private static int eosId(ModelConfig config, Tokenizer tokenizer) {
        if (tokenizer instanceof BpeTokenizer bpe && bpe.specialIds().eos() >= 0) {
            return bpe.specialIds().eos();
        }
        List<Integer> ids = ModelFamilies.of(config).eosTokenIds(config);
        return ids.isEmpty() ? -1 : ids.getFirst();
    }

    /** Tokenized examples, and how many were skipped (nothing to predict) or cut to the maximum length. */
    record Tokenized(TokenSequences sequences, int skipped, int truncated) {
    }

    static Tokenized tokenize(TextCorpus corpus, Tokenizer tokenizer, int eos, int maxLength) {
        return tokenize(corpus, tokenizer, eos, maxLength, false);
    }

    /**
     * @param windows a plain text longer than {@code maxLength} becomes consecutive windows of at most that many tokens
     *                (each an example; {@code truncated} counts the texts split); a prompt-completion example is cut
     */
    static Tokenized tokenize(TextCorpus corpus, Tokenizer tokenizer, int eos, int maxLength, boolean windows) {
        List<int[]> ids = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        int skipped = 0;
        int truncated = 0;
        for (TextCorpus.Example e : corpus.examples()) {
            // a prompt is encoded as a text is (BOS first where the tokenizer adds it), its completion without
            // special tokens and appended, as TRL's prompt-completion datasets are tokenized
            int[] prompt = e.prompt() == null ? new int[0] : tokenizer.encode(e.prompt()).ids();
            int[] trained = e.prompt() == null ? tokenizer.encode(e.text()).ids() : tokenizer.tokenize(e.text());
            int n = prompt.length + trained.length + (eos >= 0 ? 1 : 0);
            int[] t = new int[n];
            int[] l = new int[n];
            System.arraycopy(prompt, 0, t, 0, prompt.length);
            Arrays.fill(l, 0, prompt.length, CausalLanguageModel.IGNORE);
            System.arraycopy(trained, 0, t, prompt.length, trained.length);
            System.arraycopy(trained, 0, l, prompt.length, trained.length);
            if (eos >= 0) {
                t[n - 1] = eos;
                l[n - 1] = eos;
            }
            if (n > maxLength && windows && e.prompt() == null) {
                truncated++;
                for (int from = 0; from < n; from += maxLength) {
                    int[] lw = Arrays.copyOfRange(l, from, Math.min(n, from + maxLength));
                    if (TokenSequences.scored(lw) == 0) { // a last window of one token has nothing to predict
                        continue;
                    }
                    ids.add(Arrays.copyOfRange(t, from, Math.min(n, from + maxLength)));
                    labels.add(lw);
                }
                continue;
            }
            if (n > maxLength) {
                t = Arrays.copyOf(t, maxLength);
                l = Arrays.copyOf(l, maxLength);
                truncated++;
            }
            if (TokenSequences.scored(l) == 0) { // under two tokens, or a completion cut away
                skipped++;
                continue;
            }
            ids.add(t);
            labels.add(l);
        }
        if (ids.isEmpty()) {
            throw new IllegalArgumentException(corpus.file() + ": no example has a token to predict (texts need two "
                    + "tokens, completions one within the maximum length)");
        }
        // padding uses id 0; it is masked and never scored
        return new Tokenized(TokenSequences.of(corpus.file().toString(), ids, labels, 0), skipped, truncated);
    }
}
