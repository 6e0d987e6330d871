package dev.distillery.cli;

import dev.distillery.classify.Manifest;
import dev.distillery.data.TextTransform;
import dev.distillery.embed.SentenceEncoder;
import dev.distillery.io.AtomicFiles;
import dev.distillery.io.Checkpoint;
import dev.distillery.model.EncoderConfig;
import dev.distillery.onnx.ActivationPrecision;
import dev.distillery.onnx.BertOnnxExporter;
import dev.distillery.onnx.ImportedEncoder;
import dev.distillery.onnx.MiniLm;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizedCheckpoint;
import dev.distillery.quant.QuantizedTensor;
import dev.distillery.tensor.Tensor;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code distillery export-onnx}: a checkpoint folder (or the bundled MiniLM) as one ONNX file, for
 * teams that serve with ONNX Runtime or check Distillery's numbers against it.
 */
@Command(name = "export-onnx",
        mixinStandardHelpOptions = true,
        description = {"Write a model as one ONNX file (opset " + BertOnnxExporter.OPSET + ") that ONNX Runtime "
                + "runs without Distillery: inputs input_ids, attention_mask (and token_type_ids for BERT); outputs "
                + "last_hidden_state and, for a classifier, logits.",
                "A quantized folder keeps its own codes and scales: INT8 and Q8_0 as DequantizeLinear (Q8_0 needs "
                        + "opset 21), Q4_0 and NF4 as ONNX Runtime's contrib operators MatMulNBits and MatMulBnb4.",
                "Tokenizing stays outside the file: use the folder's vocab.txt or tokenizer.json, and apply the "
                        + "URL normalisation its distillery.json records."},
        footer = {"", "Examples:",
                "  distillery export-onnx --model /tmp/student --out /tmp/student.onnx",
                "  distillery export-onnx --model /tmp/student-q4 --out /tmp/student-q4.onnx",
                "  distillery export-onnx --model /tmp/student-int8 --activations int8 --out /tmp/student-int8.onnx",
                "  distillery export-onnx --model minilm --out /tmp/minilm.onnx"})
public final class ExportOnnxCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "minilm|DIR",
            description = "'minilm' (bundled) or a Hugging Face checkpoint folder, BERT or DistilBERT, FP32 or "
                    + "quantized.")
    String model;

    @Option(names = "--out", required = true, paramLabel = "FILE.onnx", description = "Where to write the ONNX file.")
    Path out;

    @Option(names = "--encoder-only", description = "Leave out a classifier's head: last_hidden_state only.")
    boolean encoderOnly;

    @Mixin
    OnnxActivationsOption activations;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        EncoderConfig config;
        Map<String, Tensor> weights;
        Map<String, QuantizedTensor> quantized = Map.of();
        Manifest manifest = null; // a plain Hugging Face folder has none
        if (model.equals(SentenceEncoder.MINILM)) {
            ImportedEncoder minilm = MiniLm.load();
            config = minilm.config();
            weights = minilm.weights();
        } else {
            Path dir = Path.of(model);
            if (!Files.isDirectory(dir)) {
                throw new NoSuchFileException(model, null, "expected 'minilm' or a Hugging Face checkpoint folder");
            }
            Path manifestFile = dir.resolve(Manifest.FILE);
            manifest = Files.isRegularFile(manifestFile) ? Manifest.read(manifestFile) : null;
            if (manifest != null && manifest.isQuantized()) {
                QuantizedCheckpoint checkpoint = QuantizedCheckpoint.read(dir, manifest.quantization());
                config = checkpoint.config();
                weights = checkpoint.dense();
                quantized = checkpoint.quantized();
            } else {
                Checkpoint checkpoint = Checkpoint.read(dir);
                config = checkpoint.config();
                weights = checkpoint.weights();
            }
        }
        boolean head = !encoderOnly && config.numLabels() > 0;
        byte[] bytes = BertOnnxExporter.export(config, weights, quantized, head, activations.activations);
        AtomicFiles.writeBytes(out, bytes);
        PrintWriter w = spec.commandLine().getOut();
        w.printf(Locale.ROOT, "Wrote %s (%.1f MB): %s, %d layers, hidden %d%n", out, bytes.length / 1e6, config.family(),
                config.numLayers(), config.hiddenSize());
        w.printf(Locale.ROOT, "  inputs  input_ids, attention_mask%s (int64, [batch, sequence])%n",
                config.encoderFamily().names().tokenTypes() && config.typeVocabSize() > 0 ? ", token_type_ids" : "");
        w.printf(Locale.ROOT, "  outputs last_hidden_state [batch, sequence, %d]%s%n", config.hiddenSize(),
                head ? ", logits [batch, " + config.numLabels() + "] in label order " + config.labels() : "");
        if (!quantized.isEmpty()) {
            Map<QuantScheme, Integer> formats = new TreeMap<>();
            quantized.values().forEach(q -> formats.merge(q.scheme(), 1, Integer::sum));
            formats.forEach((scheme, count) -> w.printf(Locale.ROOT, "  %d %s weights (the folder's codes and scales): %s%n",
                    count, scheme.id(), BertOnnxExporter.operators(scheme, activations.activations)));
            if (activations.activations == ActivationPrecision.INT8) {
                w.printf(Locale.ROOT, "  int8 activations: ONNX Runtime's logits move away from Distillery's on the same "
                        + "weights (docs/onnx-export.md gives the measured bound)%n");
            }
        }
        if (manifest != null) {
            // What the file leaves to its caller, so predictions match `predict` on the folder.
            w.printf(Locale.ROOT, "  before: %s, cut to %d tokens%n", manifest.transform() == TextTransform.NONE
                    ? "texts as they are" : "texts through " + manifest.transform().id(), manifest.maxLength());
            if (head) {
                w.printf(Locale.ROOT, "  after:  probabilities = softmax(logits / %s), the calibrated temperature%n",
                        manifest.temperature());
            }
        }
        w.flush();
        return 0;
    }
}
