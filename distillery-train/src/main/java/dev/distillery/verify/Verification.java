package dev.distillery.verify;

import dev.distillery.classify.BatchInference;
import dev.distillery.classify.Classifier;
import dev.distillery.classify.Evaluation;
import dev.distillery.classify.Provenance;
import dev.distillery.data.Dataset;
import dev.distillery.eval.Calibration;
import dev.distillery.eval.CalibrationReport;
import dev.distillery.eval.ClassMetrics;
import dev.distillery.eval.TemperatureScaling;
import dev.distillery.pipeline.LabelledFile;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.ref.Reference;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Measures saved classifiers on one labelled test file: calibrated and uncalibrated scores, efficiency,
 * robustness (when a probe is given), and every model against the reference (the teacher).
 * <pre>{@code
 * VerificationResult r = Verification.run(VerificationOptions.of(List.of(student), test).withTeacher(teacher));
 * r.comparisons().getFirst().referenceOnlyCaught();   // threats the teacher caught and the student missed
 * ReportWriter.write(r, Path.of("report"));           // report.html, summary.md, summary.json
 * }</pre>
 * Models are measured one after another and each is dropped before the next is loaded, so the peak heap
 * of one does not include another.
 */
public final class Verification {
    /** A class with fewer than this share of the test rows is called out as rare. */
    public static final double RARE_SHARE = 0.05;
    /** Class names taken as "not a threat", in any case; otherwise see {@link #benignClass}. */
    static final List<String> BENIGN_NAMES = List.of("0", "benign", "normal", "legitimate", "good", "clean");

    private Verification() {
    }

    public static VerificationResult run(VerificationOptions o) throws IOException {
        return run(o, new PrintStream(OutputStream.nullOutputStream()));
    }

    /** As {@link #run(VerificationOptions)}, reporting each model's progress on {@code log}. */
    public static VerificationResult run(VerificationOptions o, PrintStream log) throws IOException {
        List<Path> dirs = modelOrder(o);
        List<ModelReport> models = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Dataset referenceData = null;
        for (int m = 0; m < dirs.size(); m++) {
            Path dir = dirs.get(m);
            String name = uniqueName(dir, names);
            log.printf("verify: %s (%s)%n", name, dir);
            Measured r = measure(name, dir, m == 0, o, log);
            if (referenceData == null) {
                referenceData = r.data();
            } else if (!referenceData.labelMap().equals(r.data().labelMap())) {
                throw new IllegalArgumentException(dir + " has labels " + r.data().labelMap() + " but " + dirs.getFirst()
                        + " has " + referenceData.labelMap() + "; models compared in one report must share their labels");
            }
            models.add(r.report());
        }
        // same file and labels for every model, so rows line up; only the text transform may differ between models
        List<String> labels = referenceData.labelMap().names();
        int[] actual = referenceData.labels();
        int benign = benignClass(labels);
        long[] counts = new long[labels.size()];
        for (int a : actual) {
            counts[a]++;
        }
        ModelReport ref = models.getFirst();
        List<Comparison> comparisons = new ArrayList<>();
        for (ModelReport m : models.subList(1, models.size())) {
            comparisons.add(compare(ref, m, referenceData, benign, counts, o.maxListed()));
        }
        Provenance here = Provenance.ofThisPlatform("", List.of(), Map.of(), 0);
        return new VerificationResult(o.data().toString(), actual.length, labels, benign, counts, models, comparisons,
                o.probe() == null ? o.noProbeReason() : models.stream().allMatch(m -> m.robustness() == null)
                        ? models.getFirst().robustnessNote() : null, here.jdk() + "; " + here.os() + "; " + here.cpu(),
                here.createdUtc());
    }

    /**
     * The class that is not a threat: the first label named like {@link #BENIGN_NAMES} (any case); with two labels
     * and no such name, the one that is not the positive class; otherwise class 0.
     */
    public static int benignClass(List<String> labels) {
        for (int i = 0; i < labels.size(); i++) {
            if (BENIGN_NAMES.contains(labels.get(i).toLowerCase(Locale.ROOT))) {
                return i;
            }
        }
        int positive = Evaluation.positiveClass(labels);
        return positive >= 0 ? 1 - positive : 0;
    }

    private record Measured(ModelReport report, Dataset data) {
    }

    /** The reference first (teacher, else the first model), then the other models without repeating a folder. */
    private static List<Path> modelOrder(VerificationOptions o) throws IOException {
        List<Path> order = new ArrayList<>();
        Set<Path> seen = new HashSet<>();
        List<Path> all = new ArrayList<>();
        if (o.teacher() != null) {
            all.add(o.teacher());
        }
        all.addAll(o.models());
        for (Path p : all) {
            if (!Files.isDirectory(p)) {
                throw new java.nio.file.NoSuchFileException(p.toString(), null, "model folder not found");
            }
            if (seen.add(p.toRealPath())) {
                order.add(p);
            }
        }
        return order;
    }

    private static String uniqueName(Path dir, Set<String> taken) {
        Path file = dir.toAbsolutePath().normalize().getFileName();
        String base = file == null ? "model" : file.toString();
        String name = base;
        for (int i = 2; !taken.add(name); i++) {
            name = base + "-" + i;
        }
        return name;
    }

    private static Measured measure(String name, Path dir, boolean reference, VerificationOptions o, PrintStream log)
            throws IOException {
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isValid()).toList();
        System.gc(); // so the previous model's garbage is not counted in this one's peak
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        Classifier model = Classifier.load(dir);
        Dataset data = LabelledFile.read(o.data(), model, o.textColumn(), o.labelColumn());
        if (data.size() == 0) {
            throw new IllegalArgumentException(o.data() + " has no labelled rows to verify on");
        }
        long parameters = model.frozen().parameterCount();
        Efficiency efficiency = efficiency(model, data, parameters, folderBytes(dir), heap, o.efficiency());
        if (efficiency.measured()) {
            log.printf(Locale.ROOT, "  latency p50 %.2f ms, throughput %.1f texts/s at batch %d%n", efficiency.latencyP50Millis(),
                    efficiency.throughputPerSec(), efficiency.batchSize());
        }

        int n = model.labels().size();
        float[] logits = model.logitsOfPrepared(data.texts()); // [rows, labels]
        float[] probs = TemperatureScaling.probabilities(logits, n, model.manifest().temperature()); // [rows, labels]
        Evaluation test = Evaluation.of(data.name(), model.labels().names(), data.labels(), probs);
        CalibrationReport uncalibrated = Calibration.of(TemperatureScaling.probabilities(logits, n, 1), data.labels(), n);
        log.printf(Locale.ROOT, "  accuracy %.4f, ECE %.4f (T = %.3f; %.4f at T = 1)%n", test.report().accuracy(),
                test.calibration().ece(), model.manifest().temperature(), uncalibrated.ece());

        Robustness robustness = null;
        String note = o.noProbeReason();
        if (o.probe() != null) {
            robustness = o.probe().evaluate(model, data);
            if (robustness == null) {
                note = o.probe().notApplicable(model);
            } else {
                note = null;
                log.printf(Locale.ROOT, "  robust accuracy %.4f, attack success %.4f, %.1f queries per row%n",
                        robustness.robustAccuracy(), robustness.attackSuccessRate(), robustness.meanQueries());
            }
        }
        ModelReport report = new ModelReport(name, dir, reference, test, uncalibrated, model.manifest().calibration(),
                efficiency, robustness, note, probs);
        return new Measured(report, data);
    }

    /**
     * Latency of single prepared texts (tokenizing included) cycling through the test rows, throughput of
     * batches, and the heap pools' peak since {@code heap} was reset (before the model was loaded).
     */
    static Efficiency efficiency(Classifier model, Dataset data, long parameters, long sizeBytes,
                                 List<MemoryPoolMXBean> heap, EfficiencyOptions e) {
        if (!e.measure()) {
            return new Efficiency(sizeBytes, parameters, Double.NaN, Double.NaN, Double.NaN, Double.NaN, e.batchSize(), -1, -1,
                    "size on disk and parameters only; latency, throughput and heap were not measured");
        }
        List<String> texts = data.texts();
        for (int i = 0; i < e.warmupRuns(); i++) {
            model.probabilitiesOfPrepared(List.of(texts.get(i % texts.size())));
        }
        double[] millis = new double[e.latencyRuns()];
        for (int i = 0; i < millis.length; i++) {
            List<String> one = List.of(texts.get(i % texts.size()));
            long t0 = System.nanoTime();
            model.probabilitiesOfPrepared(one);
            millis[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(millis);
        long t0 = System.nanoTime();
        int done = 0;
        for (int b = 0; b < e.throughputBatches(); b++) {
            List<String> batch = new ArrayList<>(e.batchSize());
            for (int i = 0; i < e.batchSize(); i++) {
                batch.add(texts.get((b * e.batchSize() + i) % texts.size()));
            }
            model.probabilitiesOfPrepared(batch);
            done += batch.size();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long peak = heap.stream().mapToLong(p -> p.getPeakUsage() == null ? 0 : p.getPeakUsage().getUsed()).sum();
        System.gc();
        long retained = heap.stream().mapToLong(p -> p.getUsage() == null ? 0 : p.getUsage().getUsed()).sum();
        Reference.reachabilityFence(model); // the model must still be live when the retained heap is read
        String method = String.format(Locale.ROOT, "in this JVM (%d threads): %d untimed then %d timed single-text"
                        + " predictions (tokenizing included, System.nanoTime, nearest-rank percentiles); %d batches of %d;"
                        + " peak heap = sum of heap pools' peak use after System.gc() and a peak reset, from loading to the"
                        + " end of these runs (garbage included); retained heap = heap in use after the runs and another"
                        + " System.gc() with the model loaded", Runtime.getRuntime().availableProcessors(), e.warmupRuns(), e.latencyRuns(),
                e.throughputBatches(), e.batchSize());
        return new Efficiency(sizeBytes, parameters, percentile(millis, 0.50), percentile(millis, 0.95),
                percentile(millis, 0.99), done / seconds, e.batchSize(), peak, retained, method);
    }

    /** Nearest-rank percentile of sorted values: the smallest value with at least {@code p} of them at or below it. */
    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static Comparison compare(ModelReport ref, ModelReport m, Dataset data, int benign, long[] counts,
                                      int maxListed) {
        int n = counts.length;
        int[] actual = data.labels();
        int[] refPred = BatchInference.argmax(ref.probabilities(), n);
        int[] modelPred = BatchInference.argmax(m.probabilities(), n);
        long agree = 0;
        long refFp = 0;
        long modelFp = 0;
        long refFn = 0;
        long modelFn = 0;
        List<Miss> refOnly = new ArrayList<>();
        List<Miss> modelOnly = new ArrayList<>();
        List<String> labels = data.labelMap().names();
        for (int i = 0; i < actual.length; i++) {
            if (refPred[i] == modelPred[i]) {
                agree++;
            }
            boolean threat = actual[i] != benign;
            boolean refFlags = refPred[i] != benign;
            boolean modelFlags = modelPred[i] != benign;
            if (!threat) {
                refFp += refFlags ? 1 : 0;
                modelFp += modelFlags ? 1 : 0;
                continue;
            }
            refFn += refFlags ? 0 : 1;
            modelFn += modelFlags ? 0 : 1;
            if (refFlags != modelFlags) {
                Miss miss = new Miss(i, data.text(i), labels.get(actual[i]), labels.get(refPred[i]), labels.get(modelPred[i]),
                        ref.probabilities()[i * n + actual[i]], m.probabilities()[i * n + actual[i]]);
                (refFlags ? refOnly : modelOnly).add(miss);
            }
        }
        refOnly.sort(Comparator.comparingDouble(Miss::referenceProbability).reversed().thenComparingInt(Miss::row));
        modelOnly.sort(Comparator.comparingDouble(Miss::modelProbability).reversed().thenComparingInt(Miss::row));
        List<ClassDelta> perClass = new ArrayList<>();
        List<ClassMetrics> r = ref.test().report().perClass();
        List<ClassMetrics> s = m.test().report().perClass();
        for (int c = 0; c < n; c++) {
            perClass.add(new ClassDelta(labels.get(c), counts[c], counts[c] < RARE_SHARE * actual.length,
                    r.get(c).recall(), s.get(c).recall(), r.get(c).f1(), s.get(c).f1()));
        }
        return new Comparison(ref.name(), m.name(), actual.length, (double) agree / actual.length, refOnly.size(),
                refOnly.subList(0, Math.min(maxListed, refOnly.size())), modelOnly.size(),
                modelOnly.subList(0, Math.min(maxListed, modelOnly.size())), refFp, modelFp, refFn, modelFn, perClass);
    }

    /** Bytes of the regular files in {@code dir}, sub-folders included. */
    static long folderBytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            long sum = 0;
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                sum += Files.size(p);
            }
            return sum;
        }
    }
}
