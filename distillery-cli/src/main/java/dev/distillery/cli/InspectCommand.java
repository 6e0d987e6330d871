package dev.distillery.cli;

import dev.distillery.classify.Manifest;
import dev.distillery.io.Checkpoint;
import dev.distillery.io.DType;
import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.io.gguf.GgufDecoder;
import dev.distillery.io.gguf.GgufFile;
import dev.distillery.io.gguf.GgufTensorInfo;
import dev.distillery.io.HfConfig;
import dev.distillery.io.SafetensorsFile;
import dev.distillery.io.TensorInfo;
import dev.distillery.io.WeightNames;
import dev.distillery.model.EncoderConfig;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizationInfo;
import dev.distillery.quant.QuantizedDecoder;
import dev.distillery.tokenize.Tokenizers;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code distillery inspect DIR}: what a checkpoint holds, from its headers alone (no weight is
 * decoded, so it is quick on any size). Accepts a checkpoint folder or a single .safetensors file.
 */
@Command(name = "inspect",
        mixinStandardHelpOptions = true,
        description = "Show a checkpoint's config, parameter count, size on disk and tensors; for a quantized folder, "
                + "its scheme and packed bytes.",
        footer = {"", "Example:", "  ./distillery inspect /tmp/student-nf4"})
public final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "PATH", description = "A Hugging Face checkpoint folder (encoder or decoder, quantized or not), a .safetensors file, "
            + "a llama2.c checkpoint (.bin, or its folder) or a GGUF file.")
    Path path;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        boolean folder = Files.isDirectory(path);
        if (!folder && !Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such checkpoint folder or file");
        }
        if (!folder && GgufFile.isGguf(path)) {
            return inspectGguf(out);
        }
        if (!Files.exists(path.resolve(Checkpoint.CONFIG)) && DecoderCheckpoint.llama2cFile(path) != null) {
            return inspectLlama2c(out, DecoderCheckpoint.llama2cFile(path));
        }
        ModelConfig any = folder ? HfConfig.readAny(path.resolve(Checkpoint.CONFIG)) : null;
        if (any != null && !(any instanceof EncoderConfig)) {
            return inspectDecoder(out, any);
        }
        Path weightsFile = folder ? Checkpoint.weightsFile(path) : path;
        EncoderConfig config = (EncoderConfig) any;
        try (SafetensorsFile st = SafetensorsFile.open(weightsFile)) {
            List<TensorInfo> tensors = st.tensors();
            long parameters = 0;
            for (TensorInfo t : tensors) {
                parameters += t.elementCount();
            }
            out.printf(Locale.ROOT, "%-12s %s%n", "Checkpoint", path);
            QuantizationInfo quantization = folder ? Manifest.quantizationIn(path) : null;
            if (config != null) {
                printConfig(out, config);
                if (quantization != null) {
                    parameters = printQuantization(out, config, quantization);
                } else {
                    out.printf(Locale.ROOT, "%-12s %s%n", "Weights", describeCheck(config, st));
                }
                out.printf(Locale.ROOT, "%-12s %s%n", "Tokenizer", tokenizer(path));
            }
            if (!st.metadata().isEmpty()) {
                out.printf(Locale.ROOT, "%-12s %s%n", "Metadata", st.metadata());
            }
            out.printf(Locale.ROOT, "%-12s %,d%n", "Parameters", parameters);
            long folderBytes = folder ? folderSize(path) : st.fileSizeBytes();
            out.printf(Locale.ROOT, "%-12s %s (%s %,d bytes%s)%n", "Size", humanBytes(folderBytes),
                    weightsFile.getFileName(), st.fileSizeBytes(), folder ? ", whole folder " + String.format(Locale.ROOT, "%,d", folderBytes) : "");
            out.println();
            printTable(out, tensors);
        }
        return 0;
    }

    /** A decoder folder (FP32, sharded or quantized): its family's description, checked weights, every shard's tensors. */
    private int inspectDecoder(PrintWriter out, ModelConfig config) throws IOException {
        out.printf(Locale.ROOT, "%-12s %s%n", "Checkpoint", path);
        out.printf(Locale.ROOT, "%-12s %s%n", "Model", ModelFamilies.of(config).describe(config));
        List<TensorInfo> tensors = new java.util.ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Path> files = DecoderCheckpoint.weightFiles(path);
        for (Path f : files) {
            try (SafetensorsFile st = SafetensorsFile.open(f)) {
                tensors.addAll(st.tensors());
                metadata.putAll(st.metadata());
            }
        }
        long parameters;
        if (QuantizedDecoder.isQuantizedDecoder(path)) {
            QuantizationInfo q = QuantizationInfo.fromJson(new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(path.resolve(QuantizedDecoder.FILE).toFile()), path.resolve(QuantizedDecoder.FILE));
            parameters = printQuantization(out, config, q);
        } else {
            parameters = tensors.stream().mapToLong(TensorInfo::elementCount).sum();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (TensorInfo t : tensors) {
                String name = WeightNames.canonical(config, t.name());
                if (!WeightNames.isNonPersistentBuffer(config, name)) {
                    shapes.put(name, t.shape());
                }
            }
            out.printf(Locale.ROOT, "%-12s %s%n", "Weights", WeightNames.check(config, shapes).describe()
                    + (files.size() > 1 ? " (" + files.size() + " shards)" : ""));
        }
        out.printf(Locale.ROOT, "%-12s %s%n", "Tokenizer", tokenizer(path));
        if (!metadata.isEmpty()) {
            out.printf(Locale.ROOT, "%-12s %s%n", "Metadata", metadata);
        }
        out.printf(Locale.ROOT, "%-12s %,d%n", "Parameters", parameters);
        out.printf(Locale.ROOT, "%-12s %s (whole folder %,d bytes)%n", "Size", humanBytes(folderSize(path)), folderSize(path));
        out.println();
        printTable(out, tensors);
        return 0;
    }

    /** A GGUF file: the decoder its metadata describes, its tokenizer, and every tensor as stored. */
    private int inspectGguf(PrintWriter out) throws IOException {
        GgufDecoder model = GgufDecoder.read(path);
        out.printf(Locale.ROOT, "%-12s %s (GGUF)%n", "Checkpoint", path);
        out.printf(Locale.ROOT, "%-12s %s%n", "Model", ModelFamilies.of(model.config()).describe(model.config()));
        out.printf(Locale.ROOT, "%-12s %s%n", "Tokenizer", model.tokenizer() == null ? "none in the metadata"
                : model.tokenizer() + (model.chatTemplate() != null ? ", with a chat template" : ""));
        try (GgufFile f = GgufFile.open(path)) {
            long parameters = f.tensors().stream().mapToLong(GgufTensorInfo::elementCount).sum();
            out.printf(Locale.ROOT, "%-12s %,d%n", "Parameters", parameters);
            out.printf(Locale.ROOT, "%-12s %s (%,d bytes; %d metadata keys)%n", "Size", humanBytes(Files.size(path)),
                    Files.size(path), f.metadata().size());
            out.println();
            int width = f.tensors().stream().mapToInt(t -> t.name().length()).max().orElse(4);
            out.printf(Locale.ROOT, "%-" + width + "s  %-6s  %-16s  %14s%n", "name", "type", "shape", "bytes");
            for (GgufTensorInfo t : f.tensors()) {
                out.printf(Locale.ROOT, "%-" + width + "s  %-6s  %-16s  %,14d%n", t.name(), t.type(),
                        Arrays.toString(t.shape()), t.byteSize());
            }
            out.printf(Locale.ROOT, "%d tensors%n", f.tensors().size());
        }
        return 0;
    }

    /** A llama2.c checkpoint: the config its header gives, and its tensors under the Llama family's names. */
    private int inspectLlama2c(PrintWriter out, Path file) throws IOException {
        DecoderCheckpoint c = DecoderCheckpoint.load(file);
        out.printf(Locale.ROOT, "%-12s %s (llama2.c, legacy format)%n", "Checkpoint", file);
        out.printf(Locale.ROOT, "%-12s %s%n", "Model", ModelFamilies.of(c.config()).describe(c.config()));
        out.printf(Locale.ROOT, "%-12s %s%n", "Tokenizer", tokenizer(file.toAbsolutePath().getParent()));
        long parameters = c.weights().values().stream().mapToLong(t -> t.size()).sum();
        out.printf(Locale.ROOT, "%-12s %,d%n", "Parameters", parameters);
        out.printf(Locale.ROOT, "%-12s %s (%,d bytes)%n", "Size", humanBytes(Files.size(file)), Files.size(file));
        out.println();
        List<TensorInfo> tensors = new java.util.ArrayList<>();
        c.weights().forEach((name, t) -> tensors.add(new TensorInfo(name, DType.F32,
                Arrays.stream(t.shape()).asLongStream().toArray(), 0, 4L * t.size())));
        printTable(out, tensors);
        return 0;
    }

    private static void printConfig(PrintWriter out, EncoderConfig c) {
        out.printf(Locale.ROOT, "%-12s %s: %d layers, hidden %d, %d heads, intermediate %d, vocab %d, %d positions%s%n",
                "Model", c.family(), c.numLayers(), c.hiddenSize(), c.numHeads(), c.intermediateSize(), c.vocabSize(),
                c.maxPositions(), c.typeVocabSize() == 0 ? "" : ", " + c.typeVocabSize() + " token types");
        out.printf(Locale.ROOT, "%-12s %s%n", "Head",
                c.numLabels() == 0 ? "none (encoder only)" : c.numLabels() + " labels: " + String.join(", ", c.labels()));
        out.printf(Locale.ROOT, "%-12s hidden %s, attention %s, classifier %s; layer norm eps %s%n", "Dropout",
                c.hiddenDropout(), c.attentionDropout(), c.classifierDropout(), c.layerNormEps());
    }

    /** The manifest's quantization object, or null for an FP32 folder or one without a manifest. */
    /** Scheme, packed against FP32 bytes of the quantized weights, and what stayed FP32; returns the parameter count. */
    private static long printQuantization(PrintWriter out, ModelConfig config, QuantizationInfo q) {
        Map<String, int[]> expected = WeightNames.expected(config);
        long parameters = 0;
        for (int[] shape : expected.values()) {
            parameters += Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b);
        }
        long packed = 0;
        long fp32 = 0;
        Map<QuantScheme, Integer> counts = new TreeMap<>();
        for (Map.Entry<String, QuantScheme> e : q.tensors().entrySet()) {
            int[] shape = expected.get(e.getKey());
            if (shape != null && shape.length == 2) {
                packed += e.getValue().sizeBytes(shape[0], shape[1]);
                fp32 += 4L * shape[0] * shape[1];
                counts.merge(e.getValue(), 1, Integer::sum);
            }
        }
        StringBuilder formats = new StringBuilder();
        counts.forEach((s, n) -> formats.append(formats.isEmpty() ? "" : ", ").append(n).append(" as ").append(s.id()));
        out.printf(Locale.ROOT, "%-12s %s: %s; %,d bytes packed for %,d as FP32 (%.3fx)%n", "Quantized", q.scheme().id(),
                formats, packed, fp32, fp32 == 0 ? 0 : packed / (double) fp32);
        out.printf(Locale.ROOT, "%-12s %d matrices FP32 (%s)%s%n", "", q.skipped().size(), String.join(", ", q.skipped()),
                q.keptForAccuracy().isEmpty() ? "" : "; kept for accuracy: " + String.join(", ", q.keptForAccuracy()));
        out.printf(Locale.ROOT, "%-12s %s%n", "Weights", "quantized layout (docs/formats.md); checked when loaded");
        return parameters;
    }

    private static String describeCheck(EncoderConfig config, SafetensorsFile st) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (TensorInfo t : st.tensors()) {
            String name = WeightNames.canonical(config, t.name());
            if (!WeightNames.isNonPersistentBuffer(config, name)) {
                shapes.put(name, t.shape());
            }
        }
        return WeightNames.check(config, shapes).describe();
    }

    private static String tokenizer(Path dir) throws IOException {
        Path file = Tokenizers.tokenizerFileIn(dir);
        return file == null ? "none found (expected tokenizer.json, vocab.txt or a llama2.c tok*.bin)"
                : file.getFileName().toString();
    }

    private static void printTable(PrintWriter out, List<TensorInfo> tensors) {
        int nameWidth = "name".length();
        int shapeWidth = "shape".length();
        for (TensorInfo t : tensors) {
            nameWidth = Math.max(nameWidth, t.name().length());
            shapeWidth = Math.max(shapeWidth, Arrays.toString(t.shape()).length());
        }
        String format = "%-" + nameWidth + "s  %-7s  %-" + shapeWidth + "s  %,14d%n";
        out.printf(Locale.ROOT, "%-" + nameWidth + "s  %-7s  %-" + shapeWidth + "s  %14s%n", "name", "dtype", "shape", "bytes");
        for (TensorInfo t : tensors) {
            out.printf(Locale.ROOT, format, t.name(), t.dtype(), Arrays.toString(t.shape()), t.byteSize());
        }
        out.printf(Locale.ROOT, "%d tensors%n", tensors.size());
    }

    private static long folderSize(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long total = 0;
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                total += Files.size(p);
            }
            return total;
        }
    }

    static String humanBytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
