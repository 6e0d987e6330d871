package dev.distillery.cli;

import dev.distillery.generate.Generator;
import dev.distillery.generate.LanguageModel;
import dev.distillery.generate.Sampler;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code distillery generate}: text from a decoder LLM, streamed to standard output as it is
 * generated, then the speed on standard error.
 */
@Command(name = "generate",
        mixinStandardHelpOptions = true,
        description = "Generate text with a decoder LLM (Llama, SmolLM, Qwen2): a Hugging Face folder, a quantized "
                + "folder, a llama2.c checkpoint or a GGUF file. Streams the text, then prints tokens/s.",
        footer = {"", "Examples:",
                "  distillery generate --model ../shared/models/stories260K \\",
                "      --prompt \"Once upon a time\"",
                "  distillery generate --model smollm2-q8 --chat --temperature 0 \\",
                "      --prompt \"What is phishing?\""})
public final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR|FILE",
            description = "A decoder folder (config.json + safetensors, or quantized by 'distillery quantize'), a "
                    + "llama2.c .bin (or a folder with one and its tok*.bin) or a .gguf file.")
    Path model;

    @Mixin
    AdapterOption adapter;

    @Option(names = "--prompt", defaultValue = "", paramLabel = "TEXT",
            description = "The text to continue (or, with --chat, the user's message). Default: empty, start from BOS.")
    String prompt;

    @Option(names = "--max-tokens", defaultValue = "256", paramLabel = "N",
            description = "Tokens to generate at most. Default: ${DEFAULT-VALUE}.")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.8", paramLabel = "T",
            description = "0 for greedy decoding; higher is more random. Default: ${DEFAULT-VALUE}.")
    float temperature;

    @Option(names = "--top-p", defaultValue = "0.95", paramLabel = "P",
            description = "Sample from the smallest set of likeliest tokens whose probability reaches P. "
                    + "Default: ${DEFAULT-VALUE}.")
    float topP;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "S",
            description = "Seeds sampling, so a run can be repeated. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--chat", description = "Wrap the prompt in the model's chat template as a user message.")
    boolean chat;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (maxTokens <= 0) {
            throw new IllegalArgumentException("--max-tokens must be positive, got " + maxTokens);
        }
        Sampler sampler = new Sampler(temperature, topP, seed);
        LanguageModel lm = LanguageModel.load(model, adapter.adapter);
        int[] ids = lm.promptIds(prompt, chat);
        PrintWriter out = spec.commandLine().getOut();
        if (!chat) {
            out.print(prompt);
            out.flush();
        }
        Generator.Result r = lm.generator().generate(ids, maxTokens, sampler, text -> {
            out.print(text);
            out.flush();
        });
        out.println();
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "%s (%s): %d prompt tokens in %.2f s, %d tokens generated at %.1f tokens/s%n",
                lm.name(), lm.format(), r.promptTokens(), r.promptSeconds(), r.ids().size(), r.tokensPerSecond());
        err.flush();
        return 0;
    }
}
