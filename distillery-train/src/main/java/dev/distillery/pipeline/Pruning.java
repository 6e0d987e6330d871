package dev.distillery.pipeline;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.Evaluation;
import dev.distillery.classify.Manifest;
import dev.distillery.classify.Provenance;
import dev.distillery.data.BundledData;
import dev.distillery.data.Dataset;
import dev.distillery.data.ReadOptions;
import dev.distillery.data.Splits;
import dev.distillery.data.TextTransform;
import dev.distillery.distill.DistillOptions;
import dev.distillery.distill.Distiller;
import dev.distillery.distill.StudentFactory;
import dev.distillery.io.SparseWeights;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.prune.CubicSparsitySchedule;
import dev.distillery.prune.Importance;
import dev.distillery.prune.LayerChoice;
import dev.distillery.prune.PruningPlan;
import dev.distillery.prune.SparsityHook;
import dev.distillery.prune.SparsityMasks;
import dev.distillery.prune.StructuredPruner;
import dev.distillery.train.CheckpointException;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.Trainer;
import dev.distillery.train.TrainingListener;
import dev.distillery.train.TrainingResult;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Prunes a saved classifier and saves the smaller one as a classifier folder: reads the splits with
 * the model's labels and transform, measures importance on a seeded sample of training rows, drops
 * layers, heads and neurons physically ({@link StructuredPruner}), zeros weights by magnitude
 * ({@link SparsityMasks}) at once or on a cubic schedule, recovers by distillation from the unpruned
 * model (or another teacher with the same tokenizer), and compares before and after. Recovery checkpoints in
 * {@code out/.checkpoints}; after an interruption the same options with {@code resume} continue from there (the
 * pruning before it is deterministic, so it is simply done again).
 * <pre>{@code
 * PruningResult r = Pruning.run(PruningOptions.of(Path.of("teacher"), 0.5, 0.5, 2, Path.of("pruned"))
 *         .withRecovery(1, 2000));
 * r.comparison();                                   // parameters, size, latency, F1 before and after
 * Classifier.load(Path.of("pruned"));               // also loads in Hugging Face transformers (pruned_heads)
 * }</pre>
 */
public final class Pruning {
    /** Rows per forward/backward pass while scoring importance. */
    private static final int IMPORTANCE_BATCH = 32;
    /** Distinct texts the batch-1 latency cycles through. */
    private static final int LATENCY_TEXTS = 32;

    private Pruning() {
    }

    /** {@link #run(PruningOptions, TrainingListener, PrintStream)} without progress, logging to stderr. */
    public static PruningResult run(PruningOptions o) throws IOException {
        return run(o, TrainingListener.NONE, System.err);
    }

    public static PruningResult run(PruningOptions o, TrainingListener progress, PrintStream log) throws IOException {
        Path last = o.out().resolve(TeacherTraining.CHECKPOINTS).resolve(Trainer.LAST);
        if (o.resume() && !Files.isRegularFile(last)) {
            // before importance is measured: a resume without a checkpoint would redo it for nothing
            throw new CheckpointException(last, "no such checkpoint file to resume from; run without --resume to start afresh");
        }
        Classifier model = loadClassifier(o.model());
        Classifier teacher = o.teacher() == null ? model : loadClassifier(o.teacher());
        if (teacher != model && (teacher.tokenizer().vocabSize() != model.tokenizer().vocabSize()
                || teacher.transform() != model.transform() || !teacher.labels().equals(model.labels()))) {
            throw new IllegalArgumentException("the teacher " + o.teacher() + " must share the model's tokenizer, text "
                    + "transform and labels to recover it; it has " + teacher.tokenizer().vocabSize() + " word pieces, "
                    + teacher.transform().id() + " and " + teacher.labels() + ", the model "
                    + model.tokenizer().vocabSize() + ", " + model.transform().id() + " and " + model.labels());
        }
        SequenceClassifier source = model.model();
        if (o.dropLayers() >= source.config().numLayers()) {
            throw new IllegalArgumentException("cannot drop " + o.dropLayers() + " of the model's "
                    + source.config().numLayers() + " layers: at least one must remain");
        }
        DataChoice choice = DataChoice.of(o.dataDir(), o.train(), o.validation(), o.test());
        TextTransform recorded = model.transform();
        TextTransform whileReading = choice.bundled() && recorded == BundledData.PHISHING_URLS_TRANSFORM
                ? TextTransform.NONE : recorded;
        Splits splits = Dataset.loadSplits(choice.files(), ReadOptions.defaults().withLabels(model.labels())
                .withTransform(whileReading));
        Dataset train = TeacherTraining.as(splits.train(), recorded);
        Dataset validation = TeacherTraining.as(splits.validation(), recorded);
        Dataset test = TeacherTraining.as(splits.test(), recorded);
        long seed = o.distill().train().seed();
        log.printf("data: %s%n      %s%n      %s%n", train, validation, test);

        Dataset sampleRows = train.size() > o.importanceRows() ? TeacherTraining.subsample(train, o.importanceRows(), seed) : train;
        TokenizedExamples sample = model.tokenize(sampleRows);
        int[] keptLayers = chooseLayers(source, sample, o.dropLayers(), o.layerChoice(), log);
        PruningPlan plan = plan(source, keptLayers, sample, o.headFraction(), o.ffnFraction());
        log.printf("plan: %s%n", plan);
        SequenceClassifier pruned = StructuredPruner.apply(source, plan);

        if (o.sparsity() > 0 && !o.gradual()) {
            SparsityMasks.magnitude(pruned, o.sparsity(), o.sparsityScope()).apply(pruned);
        }
        TrainingResult recovery = null;
        if (o.recoverEpochs() > 0) {
            recovery = recover(o, model, teacher, pruned, train, validation, progress, log);
        }
        if (o.sparsity() > 0) {
            // training may have restored an epoch pruned less far along the schedule; this makes the count exact
            SparsityMasks.magnitude(pruned, o.sparsity(), o.sparsityScope()).apply(pruned);
        }
        double sparsity = o.sparsity() > 0 ? SparsityMasks.measuredSparsity(pruned) : 0;

        Classifier after = model.withModel(pruned, model.tokenizer(), model.maxLength());
        Evaluation afterValidation = validation.size() == 0 ? null : Evaluation.of(after, validation);
        Evaluation afterTest = test.size() == 0 ? null : Evaluation.of(after, test);
        Evaluation beforeValidation = validation.size() == 0 ? null : Evaluation.of(model, validation);
        Evaluation beforeTest = test.size() == 0 ? null : Evaluation.of(model, test);
        Manifest manifest = after.manifest().withProvenance(Provenance.ofThisPlatform(o.command(), choice.describe(),
                describe(o, model, plan, sparsity, recovery), seed));
        if (afterValidation != null) {
            manifest = manifest.withMetrics("validation", afterValidation.summary());
        }
        if (afterTest != null) {
            manifest = manifest.withMetrics("test", afterTest.summary());
        }
        boolean[] sparse = new boolean[1];
        manifest = after.save(o.out(), manifest, dir -> sparse[0] = o.sparseStorage() && o.sparsity() > 0
                && SparseWeights.sparsify(dir));
        boolean storedSparse = sparse[0];

        Dataset timing = test.size() > 0 ? test : validation.size() > 0 ? validation : train;
        double[] latency = o.latencyRuns() == 0 ? new double[] {Double.NaN, Double.NaN}
                : latencyMicros(model, after, timing, o.latencyRuns());
        PruningResult.Figures before = figures(model, folderBytes(o.model()), latency[0], beforeValidation, beforeTest);
        PruningResult.Figures afterFigures = figures(after, folderBytes(o.out()), latency[1], afterValidation, afterTest);
        return new PruningResult(model, after, manifest, plan, before, afterFigures, sparsity, storedSparse, recovery);
    }

    private static Classifier loadClassifier(Path dir) throws IOException {
        if (!Files.isRegularFile(dir.resolve(Manifest.FILE))) {
            throw new NoSuchFileException(dir.resolve(Manifest.FILE).toString(), null,
                    "not a classifier folder: train-teacher, distill and prune write this manifest");
        }
        return Classifier.load(dir);
    }

    /** Source layers to keep, ascending. */
    static int[] chooseLayers(SequenceClassifier model, TokenizedExamples sample, int drop, LayerChoice how,
                              PrintStream log) {
        int layers = model.config().numLayers();
        if (drop == 0) {
            return IntStream.range(0, layers).toArray();
        }
        if (how == LayerChoice.SPREAD) {
            return StudentFactory.spread(layers, layers - drop);
        }
        List<Integer> kept = new ArrayList<>(IntStream.range(0, layers).boxed().toList());
        SequenceClassifier current = model;
        for (int d = 0; d < drop; d++) {
            float[] loss = Importance.layerAblationLoss(current, sample, IMPORTANCE_BATCH);
            int worst = 0;
            for (int l = 1; l < loss.length; l++) {
                if (loss[l] < loss[worst]) {
                    worst = l;
                }
            }
            log.printf(Locale.ROOT, "layer ablation: loss without each of layers %s = %s; dropping layer %d%n", kept,
                    Arrays.toString(loss), kept.get(worst));
            kept.remove(worst);
            int removed = worst;
            current = StructuredPruner.keepLayers(current,
                    IntStream.range(0, loss.length).filter(i -> i != removed).toArray());
        }
        return kept.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The plan in the source model's numbering: heads and neurons scored on the model with only {@code keptLayers}. */
    static PruningPlan plan(SequenceClassifier source, int[] keptLayers, TokenizedExamples sample, double headFraction,
                            double ffnFraction) {
        SequenceClassifier layered = keptLayers.length == source.config().numLayers() ? source
                : StructuredPruner.keepLayers(source, keptLayers);
        int[] all = IntStream.range(0, keptLayers.length).toArray();
        PruningPlan inLayered = headFraction == 0 && ffnFraction == 0
                ? StructuredPruner.layersOnly(layered.config(), all)
                : StructuredPruner.plan(layered.config(), all, Importance.gradient(layered, sample, IMPORTANCE_BATCH),
                        headFraction, ffnFraction);
        return new PruningPlan(keptLayers, inLayered.keptHeads(), inLayered.keptNeurons());
    }

    private static TrainingResult recover(PruningOptions o, Classifier model, Classifier teacher, SequenceClassifier pruned,
                                          Dataset train, Dataset validation, TrainingListener progress, PrintStream log)
            throws IOException {
        long seed = o.distill().train().seed();
        Dataset rows = o.maxTrainRows() > 0 && o.maxTrainRows() < train.size()
                ? TeacherTraining.subsample(train, o.maxTrainRows(), seed) : train;
        TrainOptions t = o.distill().train().withEpochs(o.recoverEpochs())
                .withPositiveClass(Evaluation.positiveClass(model.labels().names()));
        DistillOptions d = o.distill().withTrimVocabulary(false).withAugmentPerExample(0)
                .withMaxLength(model.maxLength()).withTrain(t);
        Distiller distiller = new Distiller(new Distiller.Teacher(teacher.model(), teacher.tokenizer()), d).listener(progress)
                .checkpointDir(o.out().resolve(TeacherTraining.CHECKPOINTS)).resume(o.resume());
        if (o.sparsity() > 0) {
            long steps = (long) t.epochs() * t.stepsPerEpoch(rows.size());
            CubicSparsitySchedule schedule = o.gradual() ? CubicSparsitySchedule.over(steps, o.sparsity())
                    : new CubicSparsitySchedule(o.sparsity(), o.sparsity(), 0, 0, 1);
            // masks before progress, so what progress reports is the pruned step
            distiller.studentHook(student -> new SparsityHook(student, schedule, o.sparsityScope()));
        }
        log.printf("recovery: %d epochs on %s, distilled from %s%n", t.epochs(), rows,
                o.teacher() == null ? "the unpruned model" : o.teacher());
        Distiller.DistillResult r = distiller.distillInitialised(pruned, rows, validation);
        return r.training();
    }

    private static PruningResult.Figures figures(Classifier c, long bytes, double latencyMicros, Evaluation validation,
                                                 Evaluation test) {
        long params = c.model().parameterCount();
        return new PruningResult.Figures(params, bytes, latencyMicros, f1(validation), f1(test));
    }

    /** Positive-class F1, or macro F1 beyond two labels; NaN without an evaluation. */
    static double f1(Evaluation e) {
        if (e == null) {
            return Double.NaN;
        }
        return e.binary() != null ? e.binary().f1() : e.report().macroF1();
    }

    /**
     * Median wall time in µs of {@code runs} batch-1 forward passes of each model, [before, after],
     * cycling through the first texts of {@code data} tokenized beforehand. The two models take
     * turns on the same input, after warm-up passes of both, so JIT compilation and the load of a
     * shared machine fall on both alike (timing one model and then the other favoured the second).
     */
    static double[] latencyMicros(Classifier before, Classifier after, Dataset data, int runs) {
        int n = Math.min(LATENCY_TEXTS, data.size());
        Dataset texts = data.subset(data.name(), IntStream.range(0, n).toArray());
        List<EncoderInput> beforeInputs = singles(before, texts);
        List<EncoderInput> afterInputs = singles(after, texts);
        for (int w = 0; w < 10; w++) {
            beforeInputs.forEach(before.model()::logits);
            afterInputs.forEach(after.model()::logits);
        }
        long[][] nanos = new long[2][runs];
        for (int r = 0; r < runs; r++) {
            nanos[0][r] = time(before, beforeInputs.get(r % n));
            nanos[1][r] = time(after, afterInputs.get(r % n));
        }
        Arrays.sort(nanos[0]);
        Arrays.sort(nanos[1]);
        return new double[] {nanos[0][runs / 2] / 1e3, nanos[1][runs / 2] / 1e3};
    }

    private static List<EncoderInput> singles(Classifier c, Dataset texts) {
        TokenizedExamples examples = c.tokenize(texts);
        List<EncoderInput> inputs = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            inputs.add(examples.pad(new int[] {i}));
        }
        return inputs;
    }

    private static long time(Classifier c, EncoderInput in) {
        long t0 = System.nanoTime();
        c.model().logits(in);
        return System.nanoTime() - t0;
    }

    private static long folderBytes(Path dir) throws IOException {
        long sum = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                sum += Files.size(p);
            }
        }
        return sum;
    }

    private static Map<String, String> describe(PruningOptions o, Classifier model, PruningPlan plan, double sparsity,
                                                TrainingResult recovery) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("pruned_from", o.model().toAbsolutePath().normalize().toString());
        m.put("teacher", o.teacher() == null ? "the unpruned model" : o.teacher().toAbsolutePath().normalize().toString());
        m.put("head_fraction", String.valueOf(o.headFraction()));
        m.put("ffn_fraction", String.valueOf(o.ffnFraction()));
        m.put("drop_layers", String.valueOf(o.dropLayers()));
        m.put("layer_choice", o.layerChoice().name().toLowerCase(Locale.ROOT));
        m.put("kept_layers", Arrays.toString(plan.keptLayers()));
        m.put("kept_heads", plan.keptHeads().toString());
        m.put("ffn_size", String.valueOf(plan.ffnSize()));
        m.put("source_ffn_size", String.valueOf(model.model().config().intermediateSize()));
        m.put("sparsity_target", String.valueOf(o.sparsity()));
        m.put("sparsity_scope", o.sparsityScope().name().toLowerCase(Locale.ROOT));
        m.put("sparsity_schedule", o.gradual() ? "cubic" : "one-shot");
        m.put("sparsity", String.format(Locale.ROOT, "%.6f", sparsity));
        m.put("importance_rows", String.valueOf(o.importanceRows()));
        m.put("recover_epochs", String.valueOf(o.recoverEpochs()));
        m.put("max_train_rows", String.valueOf(o.maxTrainRows()));
        m.put("resumed", String.valueOf(o.resume()));
        if (recovery != null) {
            m.put("best_epoch", String.valueOf(recovery.bestEpoch()));
            m.put("optimizer_steps", String.valueOf(recovery.optimizerSteps()));
            m.put("temperature", String.valueOf(o.distill().temperature()));
            m.put("alpha", String.valueOf(o.distill().alpha()));
            m.put("learning_rate", String.valueOf(o.distill().train().learningRate()));
            m.put("batch_size", String.valueOf(o.distill().train().batchSize()));
        }
        return m;
    }
}
