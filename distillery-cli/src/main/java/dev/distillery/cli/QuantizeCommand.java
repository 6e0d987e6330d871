package dev.distillery.cli;

import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.io.TokenizerFiles;
import dev.distillery.io.gguf.GgufDecoder;
import dev.distillery.tokenize.BpeTokenizer;
import dev.distillery.pipeline.Quantization;
import dev.distillery.pipeline.QuantizationOptions;
import dev.distillery.pipeline.QuantizationResult;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizedDecoder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code distillery quantize}: a saved FP32 classifier written again with packed weights; see {@link Quantization}. */
@Command(name = "quantize",
        mixinStandardHelpOptions = true,
        description = {"Quantize a saved FP32 classifier into a folder that loads and predicts on packed weights, "
                + "and print (and save as quantization.md/.json) the bytes, MSE and SQNR of every weight; or a "
                + "decoder LLM (Hugging Face folder or llama2.c checkpoint) into a folder that generates from packed "
                + "weights (q8_0, q4_0 as llama.cpp, nf4, nf4-dq as bitsandbytes).",
                "Schemes: int8 (affine per tensor), int8-channel (symmetric per row), q8_0, q4_0 (ggml), nf4, nf4-dq "
                        + "(bitsandbytes, nf4-dq with double quantization), fp16, bf16 (storage only)."},
        footer = {"", "Examples:",
                "  distillery quantize --model models/student --scheme nf4-dq \\",
                "      --out models/student-nf4",
                "  distillery quantize --model models/student --scheme q4_0 --skip embeddings \\",
                "      --data datasets/phishing-urls --out models/q4",
                "  distillery quantize --model models/student --scheme nf4-dq \\",
                "      --max-f1-drop 0.005 --out models/mixed"})
public final class QuantizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR|FILE",
            description = "An FP32 classifier folder (train-teacher or distill output), or a decoder LLM folder or llama2.c checkpoint.")
    Path model;

    @Option(names = "--scheme", required = true, paramLabel = "SCHEME", converter = SchemeConverter.class,
            description = "int8, int8-channel, q8_0, q4_0, nf4, nf4-dq, fp16 or bf16.")
    QuantScheme scheme;

    @Option(names = "--skip", split = ",", paramLabel = "PATTERN",
            description = "Leave weights FP32 whose name contains a pattern or matches it as a glob (e.g. embeddings, layer.0.).")
    List<String> skip = List.of();

    @Mixin
    SplitFileOptions splits;

    @Option(names = "--evaluate",
            description = "Score FP32 and quantized on the validation and test files (implied by --data, --validation, --test "
                    + "and --max-f1-drop; without files, the bundled phishing-urls splits).")
    boolean evaluate;

    @Option(names = "--max-f1-drop", paramLabel = "X",
            description = "Mixed precision: keep the most F1-sensitive weights at --keep-as until the validation F1 drop is at most X.")
    Double maxF1Drop;

    @Option(names = "--keep-as", defaultValue = "fp32", paramLabel = "fp32|SCHEME",
            description = "Format of the weights kept for accuracy. Default: ${DEFAULT-VALUE}.")
    String keepAs;

    @Option(names = "--out", required = true, paramLabel = "DIR|FILE.gguf",
            description = "Folder to write; for a decoder quantized to q8_0 or q4_0, a .gguf file instead.")
    Path out;

    @Spec
    CommandSpec spec;

    /** Turns an unknown scheme into a usage error (exit code 2) listing the known ones. */
    static final class SchemeConverter implements CommandLine.ITypeConverter<QuantScheme> {
        @Override
        public QuantScheme convert(String value) {
            try {
                return QuantScheme.fromId(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @Override
    public Integer call() throws IOException {
        if (DecoderCheckpoint.isDecoder(model)) {
            return quantizeDecoder();
        }
        if (splits.train != null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "quantize reads no training file; give --validation and/or --test, or --data DIR");
        }
        QuantScheme keep = null;
        if (!keepAs.equals("fp32")) {
            try {
                keep = QuantScheme.fromId(keepAs);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--keep-as: " + e.getMessage());
            }
        }
        String command = "distillery " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        QuantizationOptions options;
        try {
            options = new QuantizationOptions(model, scheme, skip, splits.data, splits.validation, splits.test, evaluate,
                    maxF1Drop == null ? Double.NaN : maxF1Drop, keep, out, command);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        QuantizationResult r = Quantization.run(options, System.err);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.print(r.table().render());
        stdout.print(r.summary());
        stdout.println("saved " + r.quantized() + " to " + out + " (report in " + QuantizationResult.REPORT_MD + ", "
                + QuantizationResult.REPORT_JSON + ")");
        stdout.flush();
        return 0;
    }

    /** A decoder LLM: packed as llama.cpp or bitsandbytes users expect (see {@link QuantizedDecoder}). */
    private int quantizeDecoder() throws IOException {
        if (!skip.isEmpty() || maxF1Drop != null || evaluate || splits.data != null || splits.validation != null
                || splits.test != null || splits.train != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), model + " is a decoder LLM: quantize takes only "
                    + "--model, --scheme and --out for it (--skip, --max-f1-drop and data files are for classifiers)");
        }
        if (!QuantizedDecoder.SCHEMES.contains(scheme)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "a decoder is quantized to "
                    + QuantizedDecoder.SCHEMES.stream().map(QuantScheme::id).toList() + ", not " + scheme.id());
        }
        DecoderCheckpoint fp32 = DecoderCheckpoint.load(model);
        QuantizedDecoder q = QuantizedDecoder.quantize(fp32, scheme);
        if (out.getFileName().toString().endsWith(".gguf")) {
            if (!(TokenizerFiles.load(model) instanceof BpeTokenizer tokenizer)) {
                throw new IllegalArgumentException(model + "'s tokenizer is not a BPE tokenizer GGUF can hold");
            }
            GgufDecoder.write(out, fp32.config(), q.dense(), q.quantized(), tokenizer, model.getFileName().toString());
        } else {
            q.write(out, fp32.tokenizerDir());
        }
        long fp32Bytes = fp32.weights().values().stream().mapToLong(t -> 4L * t.size()).sum();
        Map<QuantScheme, Long> byScheme = new java.util.TreeMap<>();
        q.info().tensors().values().forEach(s -> byScheme.merge(s, 1L, Long::sum));
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.printf(java.util.Locale.ROOT, "%s (%s decoder, %s): %s; %d matrices left FP32%s%n", model,
                fp32.config().family(), fp32.format(), byScheme.entrySet().stream()
                        .map(e -> e.getValue() + " matrices as " + e.getKey().id()).collect(Collectors.joining(", ")),
                q.dense().values().stream().filter(t -> t.rank() == 2).count(),
                q.info().skipped().isEmpty() ? "" : " (" + q.info().skipped().size() + " too narrow for the scheme's blocks)");
        stdout.printf(java.util.Locale.ROOT, "weights %.2f MB in FP32, %.2f MB packed (%.2f×)%n", fp32Bytes / 1e6,
                q.weightBytes() / 1e6, (double) fp32Bytes / q.weightBytes());
        stdout.println("saved the quantized decoder to " + out);
        stdout.flush();
        return 0;
    }
}
