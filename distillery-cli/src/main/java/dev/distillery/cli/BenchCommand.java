package dev.distillery.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.bench.Bench;
import dev.distillery.bench.BenchQuantizer;
import dev.distillery.bench.BenchResult;
import dev.distillery.bench.BenchTexts;
import dev.distillery.bench.Contestant;
import dev.distillery.bench.GemmBench;
import dev.distillery.bench.MultiBench;
import dev.distillery.bench.OrtMatMul;
import dev.distillery.bench.OrtPeer;
import dev.distillery.embed.SentenceEncoder;
import dev.distillery.kernel.Epilogue;
import dev.distillery.kernel.Isa;
import dev.distillery.kernel.KernelProvider;
import dev.distillery.kernel.LinearWeight;
import dev.distillery.kernel.Parallel;
import dev.distillery.kernel.RowTable;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.EncoderNames;
import dev.distillery.model.Backbone;
import dev.distillery.model.Encoder;
import dev.distillery.model.WeightSource;
import dev.distillery.tensor.Tensor;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code distillery bench}: sequences per second on full batches and median single-sequence
 * latency of Distillery's encoder, with ONNX Runtime running the same ONNX model in this process,
 * interleaved round by round on the same thread count, as the yardstick; or, with {@code --gemm},
 * one matrix product against ONNX Runtime's MatMul. Every report names the instruction set and the
 * micro-kernel that ran.
 */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        description = "Measure encoder throughput and latency, side by side with ONNX Runtime on the same model.",
        footer = {"", "Examples:",
                "  distillery bench --model minilm --seconds 30",
                "  distillery bench --model minilm --schemes fp32,int8,q8_0,q4_0,nf4 \\",
                "      --seconds 120",
                "  distillery bench --gemm 2048x384x1536 --json",
                "  distillery bench --gemm 1x2048x8192 --schemes fp32,q8_0,q4_0,nf4,nf4-dq,int8",
                "  distillery bench --kernels avx2 --model minilm"})
public final class BenchCommand implements Callable<Integer> {
    /** Distinct batch-1 inputs cycled through in the latency phase. */
    private static final int LATENCY_TEXTS = 64;

    @Option(names = "--model", defaultValue = SentenceEncoder.MINILM, paramLabel = "minilm|DIR",
            description = "'minilm' (the bundled ONNX file) or a Hugging Face checkpoint folder (exported to "
                    + "ONNX in memory, as export-onnx writes it); ONNX Runtime runs the same weights, a quantized "
                    + "folder's codes and scales included. Default: ${DEFAULT-VALUE}.")
    String model;

    @Mixin
    OnnxActivationsOption ortActivations;

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

    @Option(names = "--schemes", split = ",", paramLabel = "SCHEME[,SCHEME...]",
            description = "Also time the encoder with its linear weights quantized (round to nearest) to each "
                    + "of fp32, int8 (per channel), q8_0, q4_0, nf4, all interleaved in one run with ONNX Runtime; "
                    + "prints one row per engine with quartile ranges and ratios.")
    List<String> schemes;

    @Option(names = "--gemm", split = ",", paramLabel = "MxKxN[,MxKxN...]",
            description = "Time the product [M×K]·[K×N] instead of a model, against ONNX Runtime's MatMul on the "
                    + "same shape (its right operand a constant, as a Linear weight is); with --schemes, once per "
                    + "weight format. Example: 2048x384x1536.")
    List<String> gemm;

    @Option(names = "--kernels", defaultValue = "auto", paramLabel = "auto|scalar|avx2|avx512",
            converter = IsaConverter.class,
            description = "Instruction set of the kernels: auto picks the widest the JVM compiles to. Same as "
                    + "-D" + Isa.PROPERTY + ". Default: ${DEFAULT-VALUE}.")
    Isa kernels;

    /** {@code auto} or a set this JVM can run; anything else is a usage error naming the choices. */
    static final class IsaConverter implements CommandLine.ITypeConverter<Isa> {
        @Override
        public Isa convert(String value) {
            return Isa.parse(value, Isa.detected());
        }
    }

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
        useKernels(kernels);
        if (gemm != null) {
            for (String shape : gemm) {
                runGemm(shape, n);
            }
            return 0;
        }
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
        if (schemes != null) {
            if (encoder.quantizedAs() != null) {
                throw new IllegalArgumentException("--schemes quantizes FP32 weights, but " + model + " is already "
                        + "quantized (" + encoder.quantizedAs().id() + "); bench it without --schemes");
            }
            runSchemes(encoder, batches, singles, n);
            return 0;
        }
        Contestant distillery = input -> encoder.frozen().meanPooled(input);
        BenchResult result;
        try (OrtPeer ort = new OrtPeer(encoder.onnxModel(ortActivations.activations), n, ortSpin)) {
            result = new Bench(distillery, ort::run, batches, singles, seconds, n).run();
        }
        print(result, encoder.quantizedAs() == null ? encoder.name() : encoder.name() + " (" + encoder.quantizedAs().id()
                + "; ONNX Runtime on the same codes and scales, " + ortActivations.activations + " activations)");
        return 0;
    }

    /** One interleaved run of Distillery at every scheme and ONNX Runtime; see {@link MultiBench}. */
    private void runSchemes(SentenceEncoder encoder, List<EncoderInput> batches, List<EncoderInput> singles, int n)
            throws Exception {
        Map<String, Contestant> engines = new LinkedHashMap<>();
        Map<String, Long> bytes = new LinkedHashMap<>();
        Map<String, Tensor> weights = encoder.encoder().weights();
        String prefix = weights.containsKey(EncoderNames.WORDS + ".weight") ? ""
                : encoder.config().encoderFamily().names().prefix();
        for (String name : schemes) {
            BenchQuantizer scheme = BenchQuantizer.parse(name.strip());
            Backbone frozen = scheme == BenchQuantizer.FP32 ? encoder.frozen()
                    : Encoder.fromWeights(encoder.config(), quantizedSource(weights, scheme), prefix);
            engines.put(scheme.label(), frozen::meanPooled);
            bytes.put(scheme.label(), frozen.bytes());
        }
        Map<String, MultiBench.Figures> figures;
        try (OrtPeer ort = new OrtPeer(encoder.onnxModel(), n, ortSpin)) {
            engines.put(ORT, ort::run);
            figures = new MultiBench(engines, batches, singles, seconds).run();
        }
        PrintWriter out = spec.commandLine().getOut();
        MultiBench.Figures fp32 = figures.get(BenchQuantizer.FP32.label());
        MultiBench.Figures ort = figures.get(ORT);
        if (json) {
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("model", encoder.name());
            all.put("isa", Isa.chosen().id());
            all.put("kernel", KernelProvider.get().gemm().tile());
            all.put("threads", n);
            all.put("batch", batchSize);
            all.put("seqLen", length);
            figures.forEach((name, f) -> all.put(name, Map.of("seqPerSec", f.seqPerSec(), "seqPerSecQ1", f.seqPerSecQ1(),
                    "seqPerSecQ3", f.seqPerSecQ3(), "latencyMs", f.latencyMs(), "latencyQ1Ms", f.latencyQ1Ms(),
                    "latencyQ3Ms", f.latencyQ3Ms(), "weightBytes", bytes.getOrDefault(name, -1L))));
            out.println(new ObjectMapper().writeValueAsString(all));
            out.flush();
            return;
        }
        out.printf(Locale.ROOT, "%s on %d threads, %s kernels; batch %d × %d tokens for throughput, 1 × %d for "
                + "latency; all engines interleaved%n", encoder.name(), n, KernelProvider.describe(), batchSize, length,
                length);
        out.printf(Locale.ROOT, "%-6s %9s %19s %7s %7s %9s %17s %7s %7s%n", "", "weights", "seq/s (q1–q3)",
                "/fp32", "/ORT", "latency", "ms (q1–q3)", "/fp32", "/ORT");
        figures.forEach((name, f) -> out.printf(Locale.ROOT, "%-6s %9s %7.1f (%4.0f–%4.0f) %7s %7s %9.2f %17s %7s %7s%n",
                name, bytes.containsKey(name) ? String.format(Locale.ROOT, "%.1f MB", bytes.get(name) / 1e6) : "-",
                f.seqPerSec(), f.seqPerSecQ1(), f.seqPerSecQ3(),
                ratio(f.seqPerSec(), fp32 == null ? null : fp32.seqPerSec()),
                ratio(f.seqPerSec(), ort == null ? null : ort.seqPerSec()), f.latencyMs(),
                String.format(Locale.ROOT, "(%.2f–%.2f)", f.latencyQ1Ms(), f.latencyQ3Ms()),
                ratio(f.latencyMs(), fp32 == null ? null : fp32.latencyMs()),
                ratio(f.latencyMs(), ort == null ? null : ort.latencyMs())));
        out.printf(Locale.ROOT, "(%d throughput calls per engine; weights = encoder weights held in memory)%n",
                figures.values().iterator().next().calls());
        out.flush();
    }

    private static final String ORT = "ORT";

    private static String ratio(double value, Double base) {
        return base == null ? "-" : String.format(Locale.ROOT, "%.2f", value / base);
    }

    /** FP32 weights with every linear weight quantized by {@code scheme}, Q, K and V quantized as one matrix. */
    private static WeightSource quantizedSource(Map<String, Tensor> weights, BenchQuantizer scheme) {
        WeightSource plain = WeightSource.fp32(weights);
        return new WeightSource() {
            @Override
            public LinearWeight linear(String name, int out, int in) {
                Tensor t = weights.get(name);
                if (t == null || !Arrays.equals(t.shape(), new int[] {out, in})) {
                    return plain.linear(name, out, in); // throws, naming the tensor
                }
                return scheme.quantize(t.data(), out, in);
            }

            @Override
            public LinearWeight stacked(List<String> names, int[] outs, int in) {
                int total = Arrays.stream(outs).sum();
                float[] all = new float[total * in];
                for (int i = 0, row = 0; i < names.size(); row += outs[i], i++) {
                    System.arraycopy(weights.get(names.get(i)).data(), 0, all, row * in, outs[i] * in);
                }
                return scheme.quantize(all, total, in);
            }

            @Override
            public float[] vector(String name, int length) {
                return plain.vector(name, length);
            }

            @Override
            public RowTable table(String name, int rows, int width) {
                return plain.table(name, rows, width);
            }
        };
    }

    /**
     * Chooses the instruction set, which {@link Isa#chosen()} reads once when the kernels are first
     * used; a command line sets it before anything runs.
     */
    private static void useKernels(Isa wanted) {
        System.setProperty(Isa.PROPERTY, wanted.id());
        if (Isa.chosen() != wanted) {
            throw new IllegalStateException("the kernels already run " + Isa.chosen().id() + "; start the JVM with -D"
                    + Isa.PROPERTY + "=" + wanted.id());
        }
    }

    /**
     * {@code --gemm}: the product [m×k]·[k×n] by Distillery in each scheme and by ONNX Runtime's
     * MatMul, interleaved. The weight is W [n×k] as a Linear layer holds it (Gaussian, σ = 0.05),
     * the input uniform in [−1, 1], both seeded. Distillery's FP32 result is checked against ONNX
     * Runtime's before anything is timed.
     */
    private void runGemm(String shape, int n) throws Exception {
        String[] dims = shape.strip().toLowerCase(Locale.ROOT).split("x");
        if (dims.length != 3) {
            throw new IllegalArgumentException("--gemm " + shape + " is not MxKxN, e.g. 2048x384x1536");
        }
        int m = Integer.parseInt(dims[0]);
        int k = Integer.parseInt(dims[1]);
        int cols = Integer.parseInt(dims[2]);
        if (m <= 0 || k <= 0 || cols <= 0 || (long) m * k > Integer.MAX_VALUE / 2 || (long) k * cols > Integer.MAX_VALUE / 2
                || (long) m * cols > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("--gemm " + shape + " needs positive sizes whose products fit in an array");
        }
        Random random = new Random(42);
        float[] a = new float[m * k]; // [m, k]
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextFloat() * 2 - 1;
        }
        float[] w = new float[cols * k]; // [n, k], a Linear weight
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian() * 0.05f;
        }
        float[] wt = new float[k * cols]; // [k, n] = Wᵀ, ONNX Runtime's constant right operand
        for (int o = 0; o < cols; o++) {
            for (int i = 0; i < k; i++) {
                wt[i * cols + o] = w[o * k + i];
            }
        }
        List<String> names = schemes == null ? List.of("fp32") : schemes;
        Map<String, GemmBench.Product> engines = new LinkedHashMap<>();
        Map<String, Long> bytes = new LinkedHashMap<>();
        float[] c = new float[m * cols];
        LinearWeight fp32 = null;
        for (String name : names) {
            BenchQuantizer scheme = BenchQuantizer.parse(name);
            LinearWeight weight = scheme.quantize(w, cols, k);
            engines.put(scheme.label(), () -> weight.multiply(a, 0, k, c, 0, cols, m, false, Epilogue.NONE));
            bytes.put(scheme.label(), weight.bytes());
            if (scheme == BenchQuantizer.FP32) {
                fp32 = weight;
            }
        }
        Map<String, GemmBench.Figures> figures;
        try (OrtMatMul ort = new OrtMatMul(a, wt, m, k, cols, n, ortSpin)) {
            if (fp32 != null) {
                checkAgainst(ort.run(), fp32, a, m, k, cols);
            }
            engines.put(ORT, ort::runDiscarding);
            bytes.put(ORT, 4L * wt.length);
            figures = new GemmBench(engines, 2.0 * m * k * cols, seconds).run();
        }
        GemmBench.Figures first = figures.get(BenchQuantizer.parse(names.get(0)).label());
        GemmBench.Figures fp32Figures = figures.get(BenchQuantizer.FP32.label());
        GemmBench.Figures ort = figures.get(ORT);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("gemm", m + "x" + k + "x" + cols);
            all.put("m", m);
            all.put("k", k);
            all.put("n", cols);
            all.put("threads", n);
            all.put("isa", Isa.chosen().id());
            all.put("kernel", KernelProvider.get().gemm().tile());
            all.put("distilleryGflops", first.gflops());
            all.put("ortGflops", ort.gflops());
            all.put("gemmRatio", first.gflops() / ort.gflops());
            Map<String, Object> each = new LinkedHashMap<>();
            figures.forEach((name, f) -> {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("gflops", f.gflops());
                e.put("gflopsQ1", f.gflopsQ1());
                e.put("gflopsQ3", f.gflopsQ3());
                e.put("weightBytes", bytes.get(name));
                e.put("calls", f.calls());
                each.put(name, e);
            });
            all.put("engines", each);
            out.println(new ObjectMapper().writeValueAsString(all));
            out.flush();
            return;
        }
        out.printf(Locale.ROOT, "GEMM [%d×%d]·[%d×%d] on %d threads, %s kernels; all engines interleaved%n",
                m, k, k, cols, n, KernelProvider.describe());
        out.printf(Locale.ROOT, "%-6s %10s %22s %7s %7s%n", "", "weights", "GFLOP/s (q1–q3)", "/fp32", "/ORT");
        figures.forEach((name, f) -> out.printf(Locale.ROOT, "%-6s %10s %8.1f %13s %7s %7s%n", name,
                String.format(Locale.ROOT, "%.1f MB", bytes.get(name) / 1e6), f.gflops(),
                String.format(Locale.ROOT, "(%.1f–%.1f)", f.gflopsQ1(), f.gflopsQ3()),
                ratio(f.gflops(), fp32Figures == null ? null : fp32Figures.gflops()), ratio(f.gflops(), ort.gflops())));
        out.printf(Locale.ROOT, "(%d timed calls per engine; GFLOP/s = 2·M·K·N over the median call)%n",
                figures.values().iterator().next().calls());
        out.flush();
    }

    /** Refuses to time a product that disagrees with ONNX Runtime's beyond FP32 summation order. */
    private static void checkAgainst(float[] expected, LinearWeight weight, float[] a, int m, int k, int n) {
        float[] c = new float[m * n];
        weight.multiply(a, 0, k, c, 0, n, m, false, Epilogue.NONE);
        for (int i = 0; i < c.length; i++) {
            // |a| ≤ 1 and |w| ≲ 0.25: sums of k terms differ by summation order only, far below 1e-6·k.
            if (!(Math.abs(c[i] - expected[i]) <= 1e-6 * k + 1e-4 * Math.abs(expected[i]))) {
                throw new IllegalStateException("Distillery's product differs from ONNX Runtime's at element " + i
                        + ": " + c[i] + " against " + expected[i]);
            }
        }
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
            fields.put("isa", Isa.chosen().id());
            fields.put("kernel", KernelProvider.get().gemm().tile());
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
            out.printf(Locale.ROOT, "%s on %d threads, %s kernels; every sequence %d tokens (real texts, cut or "
                    + "padded)%n", modelName, r.threads(), KernelProvider.describe(), r.seqLen());
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
