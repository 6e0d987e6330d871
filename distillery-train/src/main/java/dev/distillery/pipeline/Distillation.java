package dev.distillery.pipeline;

import dev.distillery.classify.BatchInference;
import dev.distillery.classify.Classifier;
import dev.distillery.classify.DataFile;
import dev.distillery.classify.Evaluation;
import dev.distillery.classify.LogitsCache;
import dev.distillery.classify.Manifest;
import dev.distillery.classify.Provenance;
import dev.distillery.data.BundledData;
import dev.distillery.data.Dataset;
import dev.distillery.data.ReadOptions;
import dev.distillery.data.SplitFiles;
import dev.distillery.data.Splits;
import dev.distillery.data.TextTransform;
import dev.distillery.distill.DistillOptions;
import dev.distillery.distill.Distiller;
import dev.distillery.distill.FakeQuantization;
import dev.distillery.distill.StudentConfigException;
import dev.distillery.distill.StudentInit;
import dev.distillery.distill.StudentSpec;
import dev.distillery.model.EncoderConfig;
import dev.distillery.quant.QuantScheme;
import dev.distillery.train.CheckpointException;
import dev.distillery.train.Trainer;
import dev.distillery.train.TrainingListener;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Distils a saved teacher classifier into a smaller student and saves the student as a classifier
 * folder that works on its own: loads the teacher, reads the splits with the teacher's labels and
 * text transform, runs the {@link Distiller} (teacher logits cached in {@code out/.checkpoints}, or in the file
 * the options name),
 * scores teacher and student on the test split, and saves the student with its trimmed vocabulary
 * and a manifest naming the teacher, the options and both sets of scores.
 * <pre>{@code
 * DistillationResult r = Distillation.run(options, new ConsoleProgress(), System.err);
 * r.comparison();            // teacher and student side by side
 * Classifier.load(options.out()).predict("paypal-login.example.com");
 * }</pre>
 */
public final class Distillation {
    /** The teacher-logits cache in {@code out/.checkpoints} when no other file is given. */
    public static final String TEACHER_LOGITS = "teacher-logits.bin";

    private Distillation() {
    }

    public static DistillationResult run(DistillationOptions o, TrainingListener progress, PrintStream log) throws IOException {
        if (!Files.isRegularFile(o.teacher().resolve(Manifest.FILE))) {
            throw new NoSuchFileException(o.teacher().resolve(Manifest.FILE).toString(), null,
                    "not a teacher folder: train-teacher writes this manifest");
        }
        Classifier teacher = Classifier.load(o.teacher());
        DataChoice choice = DataChoice.of(o.dataDir(), o.train(), o.validation(), o.test());
        boolean bundled = choice.bundled();
        SplitFiles files = choice.files();
        // the bundled files were written normalised already; anything else gets the teacher's transform while read
        TextTransform recorded = teacher.transform();
        TextTransform whileReading = bundled && recorded == BundledData.PHISHING_URLS_TRANSFORM ? TextTransform.NONE : recorded;
        ReadOptions read = ReadOptions.defaults().withTextColumn(o.textColumn()).withLabelColumn(o.labelColumn())
                .withLabels(teacher.labels()).withTransform(whileReading);
        Splits splits = Dataset.loadSplits(files, read);
        Dataset train = TeacherTraining.as(splits.train(), recorded);
        Dataset validation = TeacherTraining.as(splits.validation(), recorded);
        Dataset test = TeacherTraining.as(splits.test(), recorded);
        DistillOptions options = o.distill();
        long seed = options.train().seed();
        if (o.maxTrainRows() > 0 && o.maxTrainRows() < train.size()) {
            train = TeacherTraining.subsample(train, o.maxTrainRows(), seed);
        }
        options = options.withMaxLength(o.maxLength() > 0 ? o.maxLength() : teacher.maxLength())
                .withTrain(options.train().withPositiveClass(Evaluation.positiveClass(teacher.labels().names())));
        EncoderConfig tc = teacher.config();
        StudentSpec spec = studentSpec(tc, o);
        // checked here, before the teacher's logits are computed, rather than when the student is built after them
        if (options.init() == StudentInit.FROM_TEACHER && (spec.hiddenSize() != tc.hiddenSize()
                || spec.heads() != tc.numHeads() || spec.ffnSize() != tc.intermediateSize() || spec.layers() > tc.numLayers())) {
            throw new StudentConfigException("a student initialised from the teacher needs its hidden size "
                    + tc.hiddenSize() + ", " + tc.numHeads() + " heads, FFN size " + tc.intermediateSize() + " and at most "
                    + tc.numLayers() + " layers; use --init random for hidden " + spec.hiddenSize() + ", " + spec.heads()
                    + " heads, FFN " + spec.ffnSize() + ", " + spec.layers() + " layers");
        }
        QuantScheme qat = o.qat() == null ? null : QuantScheme.fromId(o.qat());
        if (qat != null && !(qat.accepts(1, spec.hiddenSize()) && qat.accepts(1, spec.ffnSize()))) {
            throw new StudentConfigException("--qat " + qat + " needs " + qat.requirement() + ", but the student's linear"
                    + " layers have rows of " + spec.hiddenSize() + " (hidden) and " + spec.ffnSize() + " (FFN) values");
        }
        if (options.maxLength() > spec.maxPositions()) {
            throw new IllegalArgumentException("max length " + options.maxLength() + " is more than the "
                    + spec.maxPositions() + " positions the teacher " + o.teacher() + " has");
        }
        log.printf("data: %s%n      %s%n      %s%n", train, validation, test);
        log.printf("teacher: %s from %s, %d layers, %d parameters%nstudent: %d layers, hidden %d, %d heads, FFN %d, init %s%s%n",
                teacher, o.teacher(), teacher.model().config().numLayers(), teacher.model().parameterCount(), spec.layers(),
                spec.hiddenSize(), spec.heads(), spec.ffnSize(), options.init().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                options.hardLabelsOnly() ? ", hard labels only" : "");

        LogitsCache corpus = null;
        if (o.logitsCache() != null) {
            // checked before any teacher pass: a cache from another teacher or length would silently mix two teachers
            corpus = LogitsCache.read(o.logitsCache());
            corpus.requireMatches(o.logitsCache(), o.teacher(), teacher, options.maxLength());
            log.printf("teacher logits cache: %s, %,d rows by %s%n", o.logitsCache(), corpus.rows(), corpus.teacherName());
        }
        Path checkpoints = o.out().resolve(TeacherTraining.CHECKPOINTS);
        if (o.resume() && !Files.isRegularFile(checkpoints.resolve(Trainer.LAST))) {
            // before the teacher's logits are computed: a resume without a checkpoint would redo them for nothing
            throw new CheckpointException(checkpoints.resolve(Trainer.LAST), "no such checkpoint file to resume from;"
                    + " run without --resume to start afresh");
        }
        Files.createDirectories(checkpoints);
        TeacherTraining.StepClock clock = new TeacherTraining.StepClock(progress);
        Distiller distiller = new Distiller(new Distiller.Teacher(teacher.model(), teacher.tokenizer()), options)
                .teacherLogitsCache(o.teacherLogits() != null ? o.teacherLogits() : checkpoints.resolve(TEACHER_LOGITS));
        if (corpus != null) {
            distiller.teacherLogitsFrom(o.logitsCache(), corpus, log);
        }
        Distiller.DistillResult distilled = distiller
                .checkpointDir(checkpoints)
                .adversarial(o.adversarial())
                .listener(clock)
                .resume(o.resume())
                .fakeQuantization(qat)
                .distill(spec, train, validation);
        Classifier.Calibrated calibrated = TeacherTraining.calibrate(
                teacher.withModel(distilled.student(), distilled.tokenizer(), options.maxLength()), validation,
                files.validation(), log);
        Classifier student = calibrated.classifier();

        Evaluation teacherTest = test.size() == 0 ? null : Evaluation.of(teacher, test);
        Evaluation studentTest = test.size() == 0 ? null : Evaluation.of(student, test);
        Evaluation studentValidation = calibrated.heldOut();
        List<DataFile> data = choice.describe();
        Manifest manifest = student.manifest().withProvenance(Provenance.ofThisPlatform(o.command(), data,
                describe(o, options, spec, train.size(), teacher, distilled), seed));
        if (studentValidation != null) {
            manifest = manifest.withMetrics("validation", studentValidation.summary());
        }
        if (studentTest != null) {
            manifest = manifest.withMetrics("test", studentTest.summary()).withMetrics("teacher_test", teacherTest.summary());
        }
        Evaluation quantizedTest = null;
        if (qat != null && test.size() > 0) {
            // what the student scores once quantized to the scheme it was trained for
            FakeQuantization fq = new FakeQuantization(student.model(), FakeQuantization.packedBy(student.config(), qat),
                    FakeQuantization.roundTrip(qat));
            fq.apply();
            try {
                quantizedTest = Evaluation.of(student, test);
            } finally {
                fq.restore();
            }
            manifest = manifest.withMetrics("test_" + qat.id(), quantizedTest.summary());
        }
        manifest = student.save(o.out(), manifest);
        TeacherTraining.deleteTree(checkpoints);
        return new DistillationResult(teacher, student, manifest, distilled, teacherTest, studentTest,
                folderBytes(o.teacher()), folderBytes(o.out()), teacher.model().parameterCount(), student.model().parameterCount(),
                clock.steps, clock.stepNanos / 1e9, quantizedTest);
    }

    /** The teacher's widths where the options give 0, and half its layers (at least one). */
    static StudentSpec studentSpec(EncoderConfig teacher, DistillationOptions o) {
        int layers = o.layers() > 0 ? o.layers() : Math.max(1, teacher.numLayers() / 2);
        return new StudentSpec(teacher.family(), layers, o.hiddenSize() > 0 ? o.hiddenSize() : teacher.hiddenSize(),
                o.heads() > 0 ? o.heads() : teacher.numHeads(), o.ffnSize() > 0 ? o.ffnSize() : teacher.intermediateSize(),
                teacher.maxPositions());
    }

    /** Bytes of the regular files directly in {@code dir} (a classifier folder has no sub-folders). */
    private static long folderBytes(Path dir) throws IOException {
        long sum = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                sum += Files.size(p);
            }
        }
        return sum;
    }

    private static Map<String, String> describe(DistillationOptions o, DistillOptions d, StudentSpec spec, int trainRows,
                                                Classifier teacher, Distiller.DistillResult r) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("teacher", o.teacher().toAbsolutePath().normalize().toString());
        m.put("teacher_layers", String.valueOf(teacher.model().config().numLayers()));
        m.put("student_layers", String.valueOf(spec.layers()));
        m.put("student_hidden", String.valueOf(spec.hiddenSize()));
        m.put("student_heads", String.valueOf(spec.heads()));
        m.put("student_ffn", String.valueOf(spec.ffnSize()));
        m.put("text_column", o.textColumn() == null ? "url, else text" : o.textColumn());
        m.put("label_column", o.labelColumn());
        m.put("init", d.init().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        m.put("hard_labels_only", String.valueOf(d.hardLabelsOnly()));
        m.put("loss", d.divergence().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        m.put("temperature", String.valueOf(d.temperature()));
        m.put("alpha", String.valueOf(d.alpha()));
        m.put("hidden_weight", String.valueOf(d.hiddenWeight()));
        m.put("attention_weight", String.valueOf(d.attentionWeight()));
        m.put("augment_per_example", String.valueOf(d.augmentPerExample()));
        m.put("trim_vocabulary", String.valueOf(d.trimVocabulary()));
        m.put("vocab_min_count", String.valueOf(d.vocabMinCount()));
        m.put("teacher_vocabulary", String.valueOf(teacher.tokenizer().vocabSize()));
        m.put("kept_vocabulary", String.valueOf(r.tokenizer().vocabSize()));
        m.put("max_length", String.valueOf(d.maxLength()));
        m.put("max_train_rows", String.valueOf(o.maxTrainRows()));
        m.put("train_rows_used", String.valueOf(trainRows));
        m.put("augmented_rows", String.valueOf(r.augmentedTexts().size()));
        m.put("teacher_logits_cache", o.logitsCache() == null ? "none" : o.logitsCache().toAbsolutePath().normalize().toString());
        if (o.adversarial() != null) {
            m.put("adversarial_urls_attacked", String.valueOf(o.adversarial().urls()));
            m.put("adversarial_query_budget", String.valueOf(o.adversarial().attack().queryBudget()));
            m.put("adversarial_rows", String.valueOf(r.adversarialTexts().size()));
            m.put("adversarial_benign_variants", String.valueOf(r.benignVariants().size()));
            m.put("adversarial_benign_variants_teacher_positive", String.valueOf(teacherPositive(r)));
            m.put("adversarial_max_share", String.valueOf(o.adversarial().maxShare()));
        }
        m.put("epochs", String.valueOf(d.train().epochs()));
        m.put("batch_size", String.valueOf(d.train().batchSize()));
        m.put("learning_rate", String.valueOf(d.train().learningRate()));
        m.put("qat", o.qat() == null ? "none" : o.qat());
        m.put("checkpoint_every_steps", String.valueOf(d.train().checkpointEverySteps()));
        m.put("resumed", String.valueOf(o.resume()));
        m.put("epochs_run", String.valueOf(r.training().epochs().size()));
        m.put("best_epoch", String.valueOf(r.training().bestEpoch()));
        m.put("optimizer_steps", String.valueOf(r.training().optimizerSteps()));
        return m;
    }

    /** Benign variants the teacher classifies as the positive class: edits can make a benign URL look phishing. */
    static long teacherPositive(Distiller.DistillResult r) {
        if (r.benignVariants().isEmpty()) {
            return 0;
        }
        int start = r.trainExamples() - r.adversarialTexts().size() - r.benignVariants().size();
        int labels = r.teacherLogits().numLabels();
        int[] rows = IntStream.range(start, start + r.benignVariants().size()).toArray();
        int[] predicted = BatchInference.argmax(r.teacherLogits().rows(rows), labels);
        return Arrays.stream(predicted).filter(c -> c == labels - 1).count();
    }
}
