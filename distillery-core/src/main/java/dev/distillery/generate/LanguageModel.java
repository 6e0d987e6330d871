package dev.distillery.generate;

import dev.distillery.io.Checkpoint;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.io.gguf.GgufDecoder;
import dev.distillery.io.gguf.GgufFile;
import dev.distillery.lora.LoraModels;
import dev.distillery.lora.PeftAdapter;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.WeightSource;
import dev.distillery.model.ModelFamilies;
import dev.distillery.quant.QuantizedDecoder;
import dev.distillery.quant.QuantizedWeightSource;
import dev.distillery.tokenize.BpeTokenizer;
import dev.distillery.tokenize.ChatTemplate;
import dev.distillery.tokenize.Tokenizer;
import dev.distillery.tokenize.TokenizerConfig;
import dev.distillery.tokenize.Tokenizers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A causal language model ready to generate: the model, its tokenizer, the tokens that end a
 * reply and, for a chat model, its chat template. {@link #load} reads every form Distillery knows:
 * a Hugging Face decoder folder (FP32, F16 or BF16 weights, one file or sharded), a quantized
 * decoder folder ({@link QuantizedDecoder}, computed on its packed weights), a llama2.c
 * checkpoint (a {@code .bin} file, or a folder holding one beside its {@code tok*.bin}) and a
 * GGUF file (F32, F16, BF16, Q8_0 and Q4_0 tensors, computed on as stored; the tokenizer and chat
 * template from its metadata).
 *
 * @param chat     the chat template, or null when the model has none
 * @param stopIds  ids that end generation (end-of-sequence and the chat template's end of turn)
 * @param format   where the weights came from, e.g. "hf-folder", "quantized q4_0"
 */
public record LanguageModel(String name, CausalLanguageModel model, Tokenizer tokenizer, ChatTemplate chat,
                            Set<Integer> stopIds, String format) {
    public LanguageModel {
        stopIds = Set.copyOf(stopIds);
    }

    /**
     * @throws NoSuchFileException when {@code path} does not exist
     * @throws CheckpointFormatException naming the file when it is not a model Distillery reads
     */
    public static LanguageModel load(Path path) throws IOException {
        return load(path, null);
    }

    /**
     * As {@link #load(Path)}, with the PEFT LoRA adapter of {@code adapterDir} (null for none)
     * applied to the frozen base: every pass computes base plus adapter, the base kept as stored.
     *
     * @throws IllegalArgumentException naming the adapter folder when it does not fit the base
     */
    public static LanguageModel load(Path path, Path adapterDir) throws IOException {
        PeftAdapter adapter = adapterDir == null ? null : PeftAdapter.read(adapterDir);
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such model folder or file");
        }
        if (Files.isDirectory(path) && QuantizedDecoder.isQuantizedDecoder(path)) {
            QuantizedDecoder q = QuantizedDecoder.read(path);
            return of(path, build(q.config(), new QuantizedWeightSource(q.dense(), q.quantized()), adapter, adapterDir),
                    "quantized " + q.info().scheme().id() + plus(adapterDir));
        }
        Path gguf = ggufFile(path);
        if (gguf != null) {
            GgufDecoder g = GgufDecoder.read(gguf);
            CausalLanguageModel model = build(g.config(), new QuantizedWeightSource(g.dense(), g.quantized()), adapter,
                    adapterDir);
            if (g.tokenizer() == null) {
                throw new CheckpointFormatException(gguf + " carries no tokenizer (no tokenizer.ggml.model metadata)");
            }
            ChatTemplate chat = ChatTemplate.detect(g.chatTemplate(), g.tokenizer());
            String format = g.quantized().isEmpty() ? "gguf" : "gguf " + g.quantized().values().iterator().next()
                    .scheme().id();
            format += plus(adapterDir);
            return new LanguageModel(gguf.getFileName().toString(), model, g.tokenizer(), chat,
                    stopIds(model, g.tokenizer(), chat), format);
        }
        DecoderCheckpoint c = DecoderCheckpoint.load(path);
        return of(c.directory(), build(c.config(), WeightSource.fp32(c.weights()), adapter, adapterDir),
                c.format() + plus(adapterDir));
    }

    private static CausalLanguageModel build(ModelConfig config, WeightSource weights, PeftAdapter adapter,
                                             Path adapterDir) {
        return adapter == null ? CausalLanguageModel.fromWeights(config, weights)
                : LoraModels.withAdapter(config, weights, adapter, adapterDir);
    }

    private static String plus(Path adapterDir) {
        return adapterDir == null ? "" : " + LoRA " + adapterDir.getFileName();
    }

    /** The GGUF file {@code path} is, or the one a folder holds; null otherwise. */
    private static Path ggufFile(Path path) throws IOException {
        if (Files.isRegularFile(path)) {
            return GgufFile.isGguf(path) ? path : null;
        }
        if (Files.isRegularFile(path.resolve(Checkpoint.CONFIG))) {
            return null;
        }
        List<Path> found = new java.util.ArrayList<>();
        try (var files = Files.newDirectoryStream(path, "*.gguf")) {
            files.forEach(found::add);
        }
        if (found.size() > 1) {
            throw new CheckpointFormatException(path + " holds several .gguf files; name the one to use");
        }
        return found.isEmpty() ? null : found.getFirst();
    }

    /** The model of {@code dir} (or of the file in it) with the folder's tokenizer and chat template. */
    private static LanguageModel of(Path dir, CausalLanguageModel model, String format) throws IOException {
        Tokenizer tokenizer = Tokenizers.load(dir);
        Path tokenizerConfig = dir.resolve(Checkpoint.TOKENIZER_CONFIG);
        String jinja = Files.isRegularFile(tokenizerConfig) ? TokenizerConfig.read(tokenizerConfig).chatTemplate() : null;
        ChatTemplate chat = tokenizer instanceof BpeTokenizer bpe ? ChatTemplate.detect(jinja, bpe) : null;
        return new LanguageModel(dir.getFileName().toString(), model, tokenizer, chat, stopIds(model, tokenizer, chat),
                format);
    }

    /** The config's end-of-sequence ids, the tokenizer's and the chat template's end of turn. */
    static Set<Integer> stopIds(CausalLanguageModel model, Tokenizer tokenizer, ChatTemplate chat) {
        Set<Integer> ids = new LinkedHashSet<>();
        ids.addAll(ModelFamilies.of(model.config()).eosTokenIds(model.config()));
        if (tokenizer instanceof BpeTokenizer bpe) {
            if (bpe.specialIds().eos() >= 0) {
                ids.add(bpe.specialIds().eos());
            }
            if (chat != null && bpe.id(chat.stop()) >= 0) {
                ids.add(bpe.id(chat.stop()));
            }
        }
        return ids;
    }

    /**
     * The ids of a prompt: with {@code chat}, the user message rendered by the chat template (as
     * {@code apply_chat_template(..., add_generation_prompt=True)}); otherwise the text encoded as
     * the tokenizer does by default (a Llama 2 tokenizer adds BOS). An empty result starts from BOS.
     *
     * @throws IllegalArgumentException when {@code chat} is asked of a model without a template
     */
    public int[] promptIds(String prompt, boolean chat) {
        int[] ids;
        if (chat) {
            if (this.chat == null) {
                throw new IllegalArgumentException(name + " has no chat template (tokenizer_config.json names none and "
                        + "its vocabulary has no chat tokens); leave out --chat");
            }
            ids = tokenizer.tokenize(this.chat.render(List.of(new ChatTemplate.Message("user", prompt)), true));
        } else {
            ids = tokenizer.encode(prompt).ids();
        }
        if (ids.length == 0) {
            int bos = bos();
            if (bos < 0) {
                throw new IllegalArgumentException("the prompt is empty and " + name + " has no beginning-of-sequence "
                        + "token to start from");
            }
            ids = new int[] {bos};
        }
        return ids;
    }

    private int bos() {
        if (tokenizer instanceof BpeTokenizer bpe && bpe.specialIds().bos() >= 0) {
            return bpe.specialIds().bos();
        }
        return ModelFamilies.of(model.config()).bosTokenId(model.config());
    }

    /** A generator over this model's tokenizer and stop ids. */
    public Generator generator() {
        return new Generator(model, tokenizer, stopIds);
    }
}
