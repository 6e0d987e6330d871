package dev.distillery.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.bench.GenerationBench;
import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.io.HfConfig;
import dev.distillery.kernel.Parallel;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
import dev.distillery.model.WeightSource;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizedDecoder;
import dev.distillery.tensor.Tensor;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code distillery bench-generate}: tokens per second of greedy generation with a KV cache, for a
 * decoder in FP32 and quantized, interleaved round by round ({@link GenerationBench}).
 */
@Command(name = "bench-generate",
        mixinStandardHelpOptions = true,
        description = "Measure generation speed (tokens/s, KV cache, one token at a time) of a decoder in FP32 and "
                + "quantized schemes, interleaved in one run.",
        footer = {"", "Examples:",
                "  distillery bench-generate --model ../shared/models/stories260K \\",
                "      --schemes fp32,q8_0,q4_0",
                "  distillery bench-generate --tokens 64 --json \\",
                "      --random-config ../shared/models/smollm2-135m-instruct/config.json"})
public final class BenchGenerateCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR|FILE", description = "A decoder folder or llama2.c checkpoint.")
    Path model;

    @Option(names = "--random-config", paramLabel = "CONFIG.json",
            description = "Instead of --model: a model of this config.json's shape with seeded random weights.")
    Path randomConfig;

    @Option(names = "--schemes", split = ",", defaultValue = "fp32,q8_0,q4_0", paramLabel = "SCHEME[,SCHEME...]",
            description = "fp32 and any of q8_0, q4_0, nf4, nf4-dq. Default: ${DEFAULT-VALUE}.")
    List<String> schemes;

    @Option(names = "--tokens", defaultValue = "128", paramLabel = "N",
            description = "Tokens generated per round. Default: ${DEFAULT-VALUE}.")
    int tokens;

    @Option(names = "--rounds", defaultValue = "5", paramLabel = "N",
            description = "Timed rounds per engine (after 2 warm-up rounds). Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--threads", paramLabel = "N",
            description = "Threads. Default: -Ddistillery.threads, else the number of processors.")
    Integer threads;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if ((model == null) == (randomConfig == null)) {
            throw new IllegalArgumentException("give exactly one of --model DIR|FILE and --random-config CONFIG.json");
        }
        if (threads != null && threads != Parallel.threads()) {
            throw new IllegalArgumentException("--threads " + threads + " differs from the " + Parallel.threads()
                    + " threads this JVM started with; set -Ddistillery.threads=" + threads);
        }
        ModelConfig config;
        Map<String, Tensor> weights;
        String name;
        if (model != null) {
            DecoderCheckpoint c = DecoderCheckpoint.load(model);
            config = c.config();
            weights = c.weights();
            name = model.getFileName().toString();
        } else {
            config = HfConfig.readAny(randomConfig);
            if (ModelFamilies.of(config).outputLayer(config) == null) {
                throw new IllegalArgumentException(randomConfig + " describes an encoder, not a decoder");
            }
            weights = CausalLanguageModel.create(config, 1).weights();
            name = "random " + randomConfig.toAbsolutePath().getParent().getFileName() + " config";
        }
        Map<String, CausalLanguageModel> engines = new LinkedHashMap<>();
        for (String s : schemes) {
            String id = s.strip();
            engines.put(id, id.equals("fp32") ? CausalLanguageModel.fromWeights(config, WeightSource.fp32(weights))
                    : QuantizedDecoder.quantize(config, weights, QuantScheme.fromId(id)).model());
        }
        weights = null; // only the engines' own (packed) copies stay reachable
        int bos = Math.max(0, ModelFamilies.of(config).bosTokenId(config));
        Map<String, GenerationBench.Figures> figures = new GenerationBench(engines, new int[] {bos}, tokens, 2, rounds)
                .run();
        PrintWriter out = spec.commandLine().getOut();
        GenerationBench.Figures base = figures.get("fp32");
        if (json) {
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("model", name);
            all.put("threads", Parallel.threads());
            all.put("tokens", tokens);
            figures.forEach((k, f) -> all.put(k, Map.of("tokensPerSec", f.tokensPerSecond(), "q1", f.q1(), "q3", f.q3(),
                    "rounds", f.rounds(), "weightBytes", f.weightBytes())));
            out.println(new ObjectMapper().writeValueAsString(all));
        } else {
            out.printf(Locale.ROOT, "%s on %d threads; greedy, KV cache, %d tokens per round after a 1-token prompt%n",
                    name, Parallel.threads(), tokens);
            out.printf(Locale.ROOT, "%-7s %10s %12s %15s %7s%n", "", "weights", "tokens/s", "(q1–q3)", "/fp32");
            figures.forEach((k, f) -> out.printf(Locale.ROOT, "%-7s %7.1f MB %12.1f %15s %7s%n", k, f.weightBytes() / 1e6,
                    f.tokensPerSecond(), String.format(Locale.ROOT, "(%.1f–%.1f)", f.q1(), f.q3()),
                    base == null ? "-" : String.format(Locale.ROOT, "%.2f", f.tokensPerSecond() / base.tokensPerSecond())));
        }
        out.flush();
        return 0;
    }
}
