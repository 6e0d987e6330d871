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
 * Models are scored one after another and each is dropped before the next is loaded, so the peak heap
 * of one does not include another; then all are loaded together and timed in turn ({@link #timeInTurn}).
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
        List<Dataset> datasets = new ArrayList<>();
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
            datasets.add(r.data());
        }
        if (o.efficiency().measure()) {
            models = timeInTurn(dirs, models, datasets, o.efficiency(), log);
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
        Efficiency efficiency = footprint(model, data, parameters, folderBytes(dir), heap, o.efficiency());

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
     * Size, parameters and heap of one model, loaded alone: the heap pools' peak since {@code heap} was reset
     * (before the model was loaded) over its warm-up predictions and one batch, and what stays in use after a
     * GC. Latency and throughput are left NaN for {@link #timeInTurn}.
     */
    static Efficiency footprint(Classifier model, Dataset data, long parameters, long sizeBytes,
                                List<MemoryPoolMXBean> heap, EfficiencyOptions e) {
        if (!e.measure()) {
            return new Efficiency(sizeBytes, parameters, Double.NaN, Double.NaN, Double.NaN, Double.NaN, e.batchSize(), -1, -1,
                    "size on disk and parameters only; latency, throughput and heap were not measured");
        }
        List<String> texts = data.texts();
        for (int i = 0; i < e.warmupRuns(); i++) {
            model.probabilitiesOfPrepared(List.of(texts.get(i % texts.size())));
        }
        model.probabilitiesOfPrepared(batch(texts, 0, e.batchSize()));
        long peak = heap.stream().mapToLong(p -> p.getPeakUsage() == null ? 0 : p.getPeakUsage().getUsed()).sum();
        System.gc();
        long retained = heap.stream().mapToLong(p -> p.getUsage() == null ? 0 : p.getUsage().getUsed()).sum();
        Reference.reachabilityFence(model); // the model must still be live when the retained heap is read
        return new Efficiency(sizeBytes, parameters, Double.NaN, Double.NaN, Double.NaN, Double.NaN, e.batchSize(), peak,
                retained, "");
    }

    /**
     * Latency of single prepared texts (tokenizing included) cycling through the test rows, and throughput of
     * batches, for every model loaded together and run in turn, one prediction (or batch) of each per round:
     * JIT compilation still under way, a busy neighbour or a slower minute then fall on every model alike
     * rather than on whichever was measured first. Warm-up rounds run until each model made its warm-up runs
     * and {@link #WARMUP_NANOS} per model have passed, so each model's own kernels (a low-bit format's
     * decoder) are compiled before timing starts.
     */
    static List<ModelReport> timeInTurn(List<Path> dirs, List<ModelReport> reports, List<Dataset> data,
                                        EfficiencyOptions e, PrintStream log) throws IOException {
        int n = dirs.size();
        List<Classifier> models = new ArrayList<>(n);
        for (Path dir : dirs) {
            models.add(Classifier.load(dir));
        }
        long warmUntil = System.nanoTime() + WARMUP_NANOS * n;
        for (int i = 0; i < e.warmupRuns() || (e.warmupRuns() > 0 && System.nanoTime() < warmUntil); i++) {
            for (int m = 0; m < n; m++) {
                models.get(m).probabilitiesOfPrepared(List.of(text(data.get(m), i)));
            }
        }
        double[][] millis = new double[n][e.latencyRuns()];
        for (int i = 0; i < e.latencyRuns(); i++) {
            for (int m = 0; m < n; m++) {
                List<String> one = List.of(text(data.get(m), i));
                long t0 = System.nanoTime();
                models.get(m).probabilitiesOfPrepared(one);
                millis[m][i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        long[] nanos = new long[n];
        for (int b = 0; b < e.throughputBatches(); b++) {
            for (int m = 0; m < n; m++) {
                List<String> batch = batch(data.get(m).texts(), b * e.batchSize(), e.batchSize());
                long t0 = System.nanoTime();
                models.get(m).probabilitiesOfPrepared(batch);
                nanos[m] += System.nanoTime() - t0;
            }
        }
        String method = String.format(Locale.ROOT, "in this JVM (%d threads), the %d models of this report loaded together"
                        + " and timed in turn, one prediction of each per round: %d untimed rounds (and at least %.1f s per"
                        + " model) then %d timed single-text predictions each (tokenizing included, System.nanoTime,"
                        + " nearest-rank percentiles); %d timed batches of %d each; peak heap = sum of heap pools' peak use"
                        + " after System.gc() and a peak reset, with the model loaded alone, from loading to the end of %d"
                        + " untimed predictions and one batch (garbage included); retained heap = heap in use after those"
                        + " and another System.gc()", Runtime.getRuntime().availableProcessors(), n, e.warmupRuns(),
                WARMUP_NANOS / 1e9, e.latencyRuns(), e.throughputBatches(), e.batchSize(), e.warmupRuns());
        List<ModelReport> timed = new ArrayList<>(n);
        for (int m = 0; m < n; m++) {
            ModelReport r = reports.get(m);
            Efficiency f = r.efficiency();
            double[] sorted = millis[m];
            Arrays.sort(sorted);
            double perSec = (double) e.throughputBatches() * e.batchSize() / (nanos[m] / 1e9);
            Efficiency timedEfficiency = new Efficiency(f.sizeBytes(), f.parameters(), percentile(sorted, 0.50),
                    percentile(sorted, 0.95), percentile(sorted, 0.99), perSec, e.batchSize(), f.peakHeapBytes(),
                    f.retainedHeapBytes(), method);
            log.printf(Locale.ROOT, "timing: %s latency p50 %.2f ms, throughput %.1f texts/s at batch %d%n", r.name(),
                    timedEfficiency.latencyP50Millis(), timedEfficiency.throughputPerSec(), e.batchSize());
            timed.add(new ModelReport(r.name(), r.dir(), r.reference(), r.test(), r.uncalibrated(), r.calibration(),
                    timedEfficiency, r.robustness(), r.robustnessNote(), r.probabilities()));
        }
        Reference.reachabilityFence(models);
        return timed;
    }

    /** Least time, per model, that warm-up rounds run before latency is timed (with at least the warm-up runs). */
    static final long WARMUP_NANOS = 1_000_000_000L;

    private static String text(Dataset data, int i) {
        return data.texts().get(i % data.texts().size());
    }

    /** {@code size} texts from row {@code from} on, wrapping around the file. */
    private static List<String> batch(List<String> texts, int from, int size) {
        List<String> batch = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            batch.add(texts.get((from + i) % texts.size()));
        }
        return batch;
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
