package dev.distillery.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.bench.Bench;
import dev.distillery.bench.BenchResult;
import dev.distillery.bench.BenchTexts;
import dev.distillery.bench.Contestant;
import dev.distillery.bench.OrtPeer;
import dev.distillery.embed.SentenceEncoder;
import dev.distillery.kernel.Parallel;
import dev.distillery.model.EncoderInput;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code distillery bench}: sequences per second on full batches and median single-sequence
 * latency of Distillery's encoder, with ONNX Runtime running the same ONNX model in this process,
 * interleaved round by round on the same thread count, as the yardstick.
 */
@Command(name = "bench",
        footer = {"", "Example:", "  distillery bench --model minilm --seconds 30 --json"},
        mixinStandardHelpOptions = true,
        description = "Measure encoder throughput and latency, side by side with ONNX Runtime on the same model.")
public final class BenchCommand implements Callable<Integer> {
    /** Distinct batch-1 inputs cycled through in the latency phase. */
    private static final int LATENCY_TEXTS = 64;

    @Option(names = "--model", defaultValue = SentenceEncoder.MINILM, paramLabel = "minilm|DIR",
            description = "'minilm' (bundled, also run by ONNX Runtime) or a Hugging Face checkpoint folder "
                    + "(Distillery only). Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--threads", paramLabel = "N",
            description = "Threads for each engine. Default: -Ddistillery.threads, else the number of processors.")
    Integer threads;

    @Option(names = "--seconds", defaultValue = "30", paramLabel = "S",
            description = "Total time budget: a fifth warm-up, the rest split between throughput and latency. "
                    + "Default: ${DEFAULT-VALUE}.")
    double seconds;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N",
            description = "Sequences per call in the throughput phase. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--length", defaultValue = "64", paramLabel = "TOKENS",
            description = "Every sequence is cut or padded to exactly this many tokens. Default: ${DEFAULT-VALUE}.")
    int length;

    @Option(names = "--texts", paramLabel = "FILE",
            description = "Texts to encode, one per line. Default: 256 bundled phishing-dataset URLs.")
    Path texts;

    @Option(names = "--ort-spin", description = "Let ONNX Runtime's idle threads busy-wait (its default when run "
            + "alone). Off by default: spinning threads steal the cores Distillery runs on next.")
    boolean ortSpin;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        int n = threads != null ? threads
                : Integer.getInteger("distillery.threads", Runtime.getRuntime().availableProcessors());
        if (n <= 0 || seconds < 0 || batchSize <= 0 || length <= 2) {
            throw new IllegalArgumentException("--threads, --batch-size must be positive, --seconds not negative and "
                    + "--length above 2");
        }
        useThreads(n);
        SentenceEncoder encoder = SentenceEncoder.load(model);
        if (length > encoder.config().maxPositions()) {
            throw new IllegalArgumentException("--length " + length + " exceeds the model's "
                    + encoder.config().maxPositions() + " positions");
        }
        List<String> corpus = texts == null ? BenchTexts.bundled() : BenchTexts.read(texts);
        List<EncoderInput> batches = new ArrayList<>();
        for (int from = 0; from == 0 || from + batchSize <= corpus.size(); from += batchSize) {
            List<String> batch = new ArrayList<>(batchSize);
            for (int i = 0; i < batchSize; i++) {
                batch.add(corpus.get((from + i) % corpus.size()));
            }
            batches.add(encoder.tokenizeExactly(batch, length));
        }
        List<EncoderInput> singles = new ArrayList<>();
        for (int i = 0; i < Math.min(LATENCY_TEXTS, corpus.size()); i++) {
            singles.add(encoder.tokenizeExactly(List.of(corpus.get(i)), length));
        }
        Contestant distillery = input -> encoder.frozen().meanPooled(input);
        BenchResult result;
        Optional<byte[]> onnx = encoder.onnxModel();
        if (onnx.isPresent()) {
            try (OrtPeer ort = new OrtPeer(onnx.get(), n, ortSpin)) {
                result = new Bench(distillery, ort::run, batches, singles, seconds, n).run();
            }
        } else {
            result = new Bench(distillery, null, batches, singles, seconds, n).run();
        }
        print(result, encoder.name());
        return 0;
    }

    /**
     * Sizes the shared pool, which reads {@code distillery.threads} once when first used; a
     * command line sets it before anything runs, so only an embedding program can trip this.
     */
    private static void useThreads(int n) {
        System.setProperty("distillery.threads", Integer.toString(n));
        if (Parallel.threads() != n) {
            throw new IllegalStateException("the thread pool already runs " + Parallel.threads()
                    + " threads; start the JVM with -Ddistillery.threads=" + n);
        }
    }

    private void print(BenchResult r, String modelName) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("model", modelName);
            fields.put("threads", r.threads());
            fields.put("batch", r.throughputBatch());
            fields.put("seqLen", r.seqLen());
            fields.put("distillerySeqPerSec", r.distillerySeqPerSec());
            fields.put("ortSeqPerSec", r.ortSeqPerSec());
            fields.put("throughputRatio", r.throughputRatio());
            fields.put("distilleryLatencyMs", r.distilleryLatencyMs());
            fields.put("ortLatencyMs", r.ortLatencyMs());
            fields.put("latencyRatio", r.latencyRatio());
            fields.put("throughputCalls", r.throughputCalls());
            fields.put("latencyCalls", r.latencyCalls());
            out.println(new ObjectMapper().writeValueAsString(fields));
        } else {
            out.printf(Locale.ROOT, "%s on %d threads; every sequence %d tokens (real texts, cut or padded)%n",
                    modelName, r.threads(), r.seqLen());
            out.printf(Locale.ROOT, "%-34s %12s %14s %16s%n", "", "Distillery", "ONNX Runtime", "Distillery/ORT");
            out.printf(Locale.ROOT, "%-34s %12.1f %14s %16s%n",
                    "throughput, batch " + r.throughputBatch() + " (seq/s)", r.distillerySeqPerSec(),
                    format(r.ortSeqPerSec(), "%.1f"), format(r.throughputRatio(), "%.2f"));
            out.printf(Locale.ROOT, "%-34s %12.2f %14s %16s%n", "median latency, batch 1 (ms)",
                    r.distilleryLatencyMs(), format(r.ortLatencyMs(), "%.2f"), format(r.latencyRatio(), "%.2f"));
            out.printf(Locale.ROOT, "(%d throughput and %d latency calls per engine, interleaved)%n",
                    r.throughputCalls(), r.latencyCalls());
        }
        out.flush();
    }

    private static String format(Double value, String pattern) {
        return value == null ? "-" : String.format(Locale.ROOT, pattern, value);
    }
}
