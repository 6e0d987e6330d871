package dev.distillery.pipeline;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.DataFile;
import dev.distillery.classify.Evaluation;
import dev.distillery.classify.FileDigest;
import dev.distillery.classify.Manifest;
import dev.distillery.classify.ModelFolder;
import dev.distillery.classify.Provenance;
import dev.distillery.data.BundledData;
import dev.distillery.data.Dataset;
import dev.distillery.data.DatasetException;
import dev.distillery.data.ReadOptions;
import dev.distillery.data.SplitFiles;
import dev.distillery.data.TextTransform;
import dev.distillery.eval.CalibrationObjective;
import dev.distillery.io.AtomicFiles;
import dev.distillery.io.HfConfig;
import dev.distillery.model.EncoderConfig;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizationInfo;
import dev.distillery.quant.QuantizedCheckpoint;
import dev.distillery.quant.QuantizedTensor;
import dev.distillery.quant.QuantizedWeightSource;
import dev.distillery.quant.WeightSelection;
import dev.distillery.tensor.Tensor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Post-training quantization of a saved FP32 classifier into a folder that loads and predicts on
 * packed weights ({@link QuantizedCheckpoint}): the matrices {@link WeightSelection} names (the
 * encoder's attention, feed-forward, word and position embeddings) are quantized unless skipped;
 * the head, the token-type table, LayerNorms and biases stay FP32. With an F1 budget it keeps the
 * weights whose quantization costs most validation F1 at higher precision, one at a time, until
 * the budget holds.
 * <pre>{@code
 * QuantizationResult r = Quantization.run(QuantizationOptions.of(student, QuantScheme.NF4_DQ, out), System.err);
 * r.table();                           // per weight: bytes before/after, MSE, SQNR
 * Classifier.load(out).predict("paypal-login.example.com");
 * }</pre>
 */
public final class Quantization {
    private Quantization() {
    }

    public static QuantizationResult run(QuantizationOptions o, PrintStream log) throws IOException {
        Classifier fp32 = Classifier.load(o.model());
        if (fp32.isQuantized()) {
            throw new IllegalArgumentException(o.model() + " is already quantized as " + fp32.manifest().quantization().scheme()
                    + "; quantize the FP32 folder it was made from");
        }
        EncoderConfig config = fp32.config();
        Map<String, Tensor> weights = fp32.model().weights();
        Map<String, String> fp32Why = new LinkedHashMap<>(); // matrices left FP32, and why
        List<String> skipped = new ArrayList<>();
        Map<String, QuantizedTensor> all = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : weights.entrySet()) {
            String name = e.getKey();
            int[] s = e.getValue().shape();
            if (s.length != 2) {
                continue;
            }
            String kept = WeightSelection.keptUnquantized(config, name);
            String why = kept != null ? kept
                    : o.skip().stream().anyMatch(p -> matches(p, name)) ? "skipped"
                    : !o.scheme().accepts(s[0], s[1]) ? "needs " + o.scheme().requirement() : null;
            if (why != null) {
                fp32Why.put(name, why);
                skipped.add(name);
            } else {
                all.put(name, o.scheme().quantize(e.getValue().data(), s[0], s[1]));
            }
        }
        log.printf("%s: %d matrices to quantize as %s, %d left FP32%n", o.model(), all.size(), o.scheme().id(), skipped.size());

        Splits data = o.scores() ? readData(o, fp32) : null;
        Evaluation fp32Validation = data != null && data.validation != null ? Evaluation.of(fp32, data.validation) : null;
        Set<String> kept = new LinkedHashSet<>();
        List<QuantizationResult.Sensitivity> sensitivities = new ArrayList<>();
        if (!Double.isNaN(o.maxF1Drop())) {
            if (fp32Validation == null) {
                throw new IllegalArgumentException("--max-f1-drop needs a validation file (--data DIR or --validation FILE)");
            }
            double base = f1(fp32Validation);
            double drop = base - f1(Evaluation.of(mixed(fp32, weights, all, kept, o.keepAs()), data.validation));
            log.printf(Locale.ROOT, "validation F1: FP32 %.4f, all quantized %.4f (drop %.4f, budget %.4f)%n", base, base - drop,
                    drop, o.maxF1Drop());
            if (drop > o.maxF1Drop()) {
                float[] reference = fp32.probabilitiesOfPrepared(data.validation.texts()); // [rows, labels]
                for (String name : all.keySet()) {
                    Classifier one = mixed(fp32, weights, Map.of(name, all.get(name)), Set.of(), null);
                    float[] p = one.probabilitiesOfPrepared(data.validation.texts());
                    Evaluation e = Evaluation.of(data.validation.name(), fp32.labels().names(), data.validation.labels(), p);
                    QuantizationResult.Sensitivity x = new QuantizationResult.Sensitivity(name, base - f1(e),
                            kl(reference, p, fp32.labels().size()));
                    log.printf(Locale.ROOT, "  %s alone: F1 drop %.4f, KL %.3g%n", name, x.f1Drop(), x.kl());
                    sensitivities.add(x);
                }
                sensitivities.sort(Comparator.comparingDouble(QuantizationResult.Sensitivity::f1Drop)
                        .thenComparingDouble(QuantizationResult.Sensitivity::kl).reversed());
                for (QuantizationResult.Sensitivity s : sensitivities) {
                    kept.add(s.tensor());
                    drop = base - f1(Evaluation.of(mixed(fp32, weights, all, kept, o.keepAs()), data.validation));
                    log.printf(Locale.ROOT, "  keeping %s at %s: drop %.4f%n", s.tensor(), o.keepAs() == null ? "fp32" : o.keepAs().id(), drop);
                    if (drop <= o.maxF1Drop()) {
                        break;
                    }
                }
                if (drop > o.maxF1Drop()) {
                    log.printf(Locale.ROOT, "the budget is not met even with every weight kept at %s (drop %.4f)%n",
                            o.keepAs() == null ? "fp32" : o.keepAs().id(), drop);
                }
            }
        }

        Map<String, QuantizedTensor> stored = new LinkedHashMap<>();
        Map<String, QuantScheme> schemes = new LinkedHashMap<>();
        Map<String, Tensor> dense = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : weights.entrySet()) {
            String name = e.getKey();
            QuantizedTensor q = all.get(name);
            if (q != null && kept.contains(name)) {
                q = o.keepAs() == null || !o.keepAs().accepts(q.rows(), q.cols()) ? null
                        : o.keepAs().quantize(e.getValue().data(), q.rows(), q.cols());
                fp32Why.put(name, "kept");
            }
            if (q == null) {
                dense.put(name, e.getValue());
            } else {
                stored.put(name, q);
                schemes.put(name, q.scheme());
            }
        }
        List<QuantizationResult.Layer> layers = report(weights, stored, fp32Why);
        QuantizationInfo info = new QuantizationInfo(o.scheme(), schemes, skipped, List.copyOf(kept), o.maxF1Drop());

        Classifier.Calibrated calibrated = calibrate(fp32, mixed(fp32, weights, stored, Set.of(), null), o, data, log);
        Classifier quantized = calibrated.classifier();
        Manifest.Calibration calibration = quantized.manifest().calibration();
        Evaluation qValidation = calibrated.heldOut();
        Evaluation fp32Test = data != null && data.test != null ? Evaluation.of(fp32, data.test) : null;
        Evaluation qTest = fp32Test == null ? null : Evaluation.of(quantized, data.test);

        Manifest described = fp32.manifest().withQuantization(info).withProvenance(Provenance.ofThisPlatform(o.command(),
                data == null ? List.of() : data.files, describe(o, fp32), 0));
        described = new Manifest(described.formatVersion(), described.labels(), described.textTransform(),
                described.maxLength(), described.provenance(), Map.of(), calibration, info); // the FP32 scores do not describe this one
        if (qValidation != null) {
            described = described.withMetrics("validation", qValidation.summary()).withMetrics("fp32_validation", fp32Validation.summary());
        }
        if (qTest != null) {
            described = described.withMetrics("test", qTest.summary()).withMetrics("fp32_test", fp32Test.summary());
        }
        Manifest manifest = described;
        long weightBefore = 0;
        long weightAfter = 0;
        for (QuantizationResult.Layer l : layers) {
            weightBefore += l.bytesBefore();
            weightAfter += l.bytesAfter();
        }
        long folderBefore = folderBytes(o.model());
        long weightsBefore = weightBefore;
        long weightsAfter = weightAfter;
        QuantizationResult[] saved = new QuantizationResult[1];
        ModelFolder.write(o.out(), dir -> {
            QuantizedCheckpoint.write(dir, config, dense, stored, fp32.tokenizerFile(), fp32.lowerCase());
            Map<String, FileDigest> files = ModelFolder.digests(dir);
            // The saved report states the model's final size on disk (its files and the manifest, not the reports), and
            // the manifest records the reports' digests and sizes: write the report, measure, and rewrite until the
            // figure it states is the one measured (only the digit count of a size can move it: a round or two).
            long folderAfter = 0;
            for (int round = 0; round < 8; round++) {
                saved[0] = new QuantizationResult(o.out(), info, layers, weightsBefore, weightsAfter, folderBefore,
                        folderAfter, qValidation == null ? null : new QuantizationResult.Comparison(fp32Validation, qValidation),
                        qTest == null ? null : new QuantizationResult.Comparison(fp32Test, qTest), sensitivities, manifest, null);
                AtomicFiles.writeString(dir.resolve(QuantizationResult.REPORT_JSON), HfConfig.pretty(saved[0].toJson()));
                AtomicFiles.writeString(dir.resolve(QuantizationResult.REPORT_MD), saved[0].markdown());
                Map<String, FileDigest> withReports = new TreeMap<>(files);
                for (String report : List.of(QuantizationResult.REPORT_JSON, QuantizationResult.REPORT_MD)) {
                    withReports.put(report, FileDigest.of(dir.resolve(report)));
                }
                long measured = HfConfig.pretty(manifest.withFiles(withReports).toJson()).getBytes(StandardCharsets.UTF_8).length;
                for (FileDigest d : files.values()) {
                    measured += d.sizeBytes();
                }
                if (measured == folderAfter) {
                    break;
                }
                folderAfter = measured;
            }
        }, manifest);
        QuantizationResult result = saved[0];
        return new QuantizationResult(o.out(), info, layers, weightBefore, weightAfter, result.folderBytesBefore(),
                result.folderBytesAfter(), result.validation(), result.test(), sensitivities, manifest, Classifier.load(o.out()));
    }

    /**
     * The quantized model with its own temperature, fitted (guarded, as every fit) on the validation rows when there
     * are any, and its validation scores: quantization moves the logits, so the FP32 temperature need not suit them.
     * Without validation rows the FP32 calibration carries over, marked as fitted on the FP32 model, and there are no
     * scores.
     */
    private static Classifier.Calibrated calibrate(Classifier fp32, Classifier quantized, QuantizationOptions o,
                                                   Splits data, PrintStream log) {
        if (data == null || data.validation == null) {
            Manifest.Calibration c = fp32.manifest().calibration();
            return new Classifier.Calibrated(quantized.withCalibration(
                    c == null ? null : c.carriedFrom("the FP32 model " + o.model().toAbsolutePath().normalize())), null);
        }
        Dataset v = data.validation;
        String where = data.files.stream().filter(f -> f.role().equals("validation")).map(DataFile::path).findFirst()
                .orElse(v.name());
        Classifier.Calibrated calibrated = quantized.calibratedAndScored(v, "validation: " + where + " (" + v.size() + " rows)",
                CalibrationObjective.NLL, "this model (" + o.scheme().id() + "), refitted after quantization");
        Manifest.Calibration c = calibrated.classifier().manifest().calibration();
        log.printf(Locale.ROOT, "calibration of the %s model: temperature %.4f (FP32 %.4f); %s%n", o.scheme().id(),
                c.temperature(), fp32.manifest().temperature(), c.guard());
        return calibrated;
    }

    /** The F1 a run is judged by: of the positive class for two labels, else macro F1. */
    public static double f1(Evaluation e) {
        return e.binary() != null ? e.binary().f1() : e.report().macroF1();
    }

    /** A pattern matches a name it is part of, or that it matches as a glob with * and ?. */
    static boolean matches(String pattern, String name) {
        if (name.contains(pattern)) {
            return true;
        }
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.matches(regex.toString(), name);
    }

    /** An inference-only classifier with {@code quantized} packed (minus {@code kept}, held at {@code keepAs} or FP32). */
    private static Classifier mixed(Classifier fp32, Map<String, Tensor> weights, Map<String, QuantizedTensor> quantized,
                                    Set<String> kept, QuantScheme keepAs) throws IOException {
        Map<String, QuantizedTensor> q = new LinkedHashMap<>();
        Map<String, Tensor> dense = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : weights.entrySet()) {
            QuantizedTensor t = quantized.get(e.getKey());
            if (t != null && kept.contains(e.getKey())) {
                t = keepAs == null || !keepAs.accepts(t.rows(), t.cols()) ? null
                        : keepAs.quantize(e.getValue().data(), t.rows(), t.cols());
            }
            if (t == null) {
                dense.put(e.getKey(), e.getValue());
            } else {
                q.put(e.getKey(), t);
            }
        }
        SequenceClassifier frozen = SequenceClassifier.fromWeights(fp32.config(), new QuantizedWeightSource(dense, q));
        return Classifier.forInference(frozen, fp32.tokenizer(), fp32.tokenizerFile(), fp32.lowerCase(), fp32.manifest());
    }

    private static List<QuantizationResult.Layer> report(Map<String, Tensor> weights, Map<String, QuantizedTensor> stored,
                                                         Map<String, String> fp32Why) {
        List<QuantizationResult.Layer> layers = new ArrayList<>();
        long vectorBytes = 0;
        int vectors = 0;
        for (Map.Entry<String, Tensor> e : weights.entrySet()) {
            Tensor t = e.getValue();
            long before = 4L * t.size();
            if (t.rank() != 2) {
                vectorBytes += before;
                vectors++;
                continue;
            }
            QuantizedTensor q = stored.get(e.getKey());
            if (q == null) {
                layers.add(new QuantizationResult.Layer(e.getKey(), t.shape(), "fp32", fp32Why.getOrDefault(e.getKey(), ""),
                        before, before, 0, Double.POSITIVE_INFINITY));
                continue;
            }
            float[] w = t.data();
            float[] back = q.dequantize(); // for the error only, dropped at once
            double signal = 0;
            double noise = 0;
            for (int i = 0; i < w.length; i++) {
                double d = (double) w[i] - back[i];
                signal += (double) w[i] * w[i];
                noise += d * d;
            }
            layers.add(new QuantizationResult.Layer(e.getKey(), t.shape(), q.scheme().id(),
                    fp32Why.containsKey(e.getKey()) ? fp32Why.get(e.getKey()) : "", before, q.sizeBytes(), noise / w.length,
                    noise == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(signal / noise)));
        }
        layers.add(new QuantizationResult.Layer(vectors + " vectors (LayerNorms, biases)", new int[0], "fp32", "",
                vectorBytes, vectorBytes, 0, Double.POSITIVE_INFINITY));
        return layers;
    }

    /** Mean KL(p ‖ q) over rows of two probability tables [rows, labels]. */
    static double kl(float[] p, float[] q, int labels) {
        double sum = 0;
        int rows = p.length / labels;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                sum += p[i] * (Math.log(p[i]) - Math.log(Math.max(q[i], 1e-30f)));
            }
        }
        return rows == 0 ? 0 : sum / rows;
    }

    private record Splits(Dataset validation, Dataset test, List<DataFile> files) {
    }

    /**
     * The bundled files were written normalised already, so a model that normalises reads them as they are
     * (normalising twice would strip a second leading {@code www.}); anything else gets the model's transform.
     */
    private static ReadOptions readOptions(Path file, Classifier fp32) throws IOException {
        SplitFiles bundled = BundledData.phishingUrls();
        boolean isBundled = Files.isRegularFile(bundled.validation()) && Files.isSameFile(file, bundled.validation())
                || Files.isRegularFile(bundled.test()) && Files.isSameFile(file, bundled.test());
        TextTransform recorded = fp32.transform();
        TextTransform whileReading = isBundled && recorded == BundledData.PHISHING_URLS_TRANSFORM ? TextTransform.NONE : recorded;
        return ReadOptions.defaults().withLabels(fp32.labels()).withTransform(whileReading);
    }

    /** The validation and test files: named ones, a folder's, or the bundled phishing-urls splits. */
    private static Splits readData(QuantizationOptions o, Classifier fp32) throws IOException {
        Path validation = o.validation();
        Path test = o.test();
        boolean bundled = o.dataDir() == null && validation == null && test == null;
        if (o.dataDir() != null || bundled) {
            SplitFiles files = bundled ? BundledData.phishingUrls() : SplitFiles.in(o.dataDir());
            validation = files.validation();
            test = files.test();
        }
        TextTransform recorded = fp32.transform();
        List<DataFile> described = new ArrayList<>();
        Dataset v = null;
        Dataset t = null;
        for (Path f : new Path[] {validation, test}) {
            if (f != null && !Files.isRegularFile(f)) {
                throw new DatasetException(f, 0, "no such data file");
            }
        }
        if (validation != null) {
            v = TeacherTraining.as(Dataset.load(validation, readOptions(validation, fp32)), recorded);
            described.add(DataFile.of("validation", validation));
        }
        if (test != null) {
            t = TeacherTraining.as(Dataset.load(test, readOptions(test, fp32)), recorded);
            described.add(DataFile.of("test", test));
        }
        return new Splits(v == null || v.size() == 0 ? null : v, t == null || t.size() == 0 ? null : t, described);
    }

    private static Map<String, String> describe(QuantizationOptions o, Classifier fp32) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("source_model", o.model().toAbsolutePath().normalize().toString());
        m.put("scheme", o.scheme().id());
        m.put("skip", String.join(",", o.skip()));
        m.put("max_f1_drop", Double.isNaN(o.maxF1Drop()) ? "none" : String.valueOf(o.maxF1Drop()));
        m.put("keep_as", o.keepAs() == null ? "fp32" : o.keepAs().id());
        m.put("family", fp32.config().family());
        m.put("layers", String.valueOf(fp32.config().numLayers()));
        return m;
    }

    /** Bytes of the regular files directly in {@code dir}, the quantization reports excluded. */
    static long folderBytes(Path dir) throws IOException {
        long sum = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String f = p.getFileName().toString();
                if (!f.equals(QuantizationResult.REPORT_MD) && !f.equals(QuantizationResult.REPORT_JSON)) {
                    sum += Files.size(p);
                }
            }
        }
        return sum;
    }
}
