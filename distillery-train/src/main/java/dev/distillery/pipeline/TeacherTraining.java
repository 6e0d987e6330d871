package dev.distillery.pipeline;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.DataFile;
import dev.distillery.classify.Evaluation;
import dev.distillery.classify.Manifest;
import dev.distillery.classify.ModelFolder;
import dev.distillery.classify.Provenance;
import dev.distillery.data.Dataset;
import dev.distillery.data.DatasetException;
import dev.distillery.data.ReadOptions;
import dev.distillery.data.SplitFiles;
import dev.distillery.data.Splits;
import dev.distillery.data.TextTransform;
import dev.distillery.eval.CalibrationObjective;
import dev.distillery.lora.LoraConfig;
import dev.distillery.lora.LoraModels;
import dev.distillery.lora.PeftAdapter;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.tensor.Tensor;
import dev.distillery.train.EpochSummary;
import dev.distillery.train.LossFunction;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.Trainer;
import dev.distillery.train.TrainingListener;
import dev.distillery.train.TrainingResult;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Fine-tunes a teacher classifier end to end: reads the splits, puts a fresh seeded head on the
 * base encoder, trains with {@link Trainer} (checkpoints in {@code out/.checkpoints}, validation each
 * epoch, best epoch kept, early stopping), scores the result on validation and test data, and saves
 * the model folder with its manifest.
 * <pre>{@code
 * TeacherResult r = TeacherTraining.run(options, new ConsoleProgress(), System.err);
 * r.test().binary().f1();   // F1 of the phishing class on the test split
 * }</pre>
 *
 * <p>The bundled phishing-URL files are already URL-normalised, so they are read as they are and the
 * model records {@code url-normalize} for prediction; other files are normalised while reading when
 * asked. Checkpoints are removed once the model folder is complete.
 */
public final class TeacherTraining {
    /** Folder under the output folder that holds the training checkpoints. */
    public static final String CHECKPOINTS = ModelFolder.CHECKPOINTS;
    /** Folder under the output folder for the LoRA adapter, when one is trained. */
    public static final String ADAPTER = ModelFolder.ADAPTER;

    private TeacherTraining() {
    }

    public static TeacherResult run(TeacherOptions o, TrainingListener progress, PrintStream log) throws IOException {
        DataChoice choice = DataChoice.of(o.dataDir(), o.train(), o.validation(), o.test());
        boolean bundled = choice.bundled();
        SplitFiles files = choice.files();
        TextTransform recorded = bundled || o.normalizeUrls() ? TextTransform.URL_NORMALIZE : TextTransform.NONE;
        TextTransform whileReading = bundled ? TextTransform.NONE : recorded;
        ReadOptions read = ReadOptions.defaults().withTextColumn(o.textColumn()).withLabelColumn(o.labelColumn())
                .withTransform(whileReading);
        Splits splits = Dataset.loadSplits(files, read);
        Dataset train = as(splits.train(), recorded);
        Dataset validation = as(splits.validation(), recorded);
        Dataset test = as(splits.test(), recorded);
        if (splits.labelMap().size() < 2) {
            throw new DatasetException(files.train(), 0, "only one label " + splits.labelMap()
                    + " in the data; a classifier needs at least two");
        }
        long seed = o.training().seed();
        if (o.maxTrainRows() > 0 && o.maxTrainRows() < train.size()) {
            train = subsample(train, o.maxTrainRows(), seed);
        }
        log.printf("data: %s%n      %s%n      %s%n", train, validation, test);

        Classifier classifier = Classifier.forFineTuning(o.baseModel(), splits.labelMap(), recorded, o.maxLength(), seed);
        int positive = Evaluation.positiveClass(splits.labelMap().names());
        TrainOptions options = o.training().withPositiveClass(positive);
        TokenizedExamples trainExamples = classifier.tokenize(train);
        TokenizedExamples validationExamples = validation.size() == 0 ? null : classifier.tokenize(validation);
        float[] weights = o.classWeights() ? inverseFrequency(train.labelCounts()) : null;
        log.printf("model: %s from %s, %d parameters; %d steps per epoch%s%n", classifier, o.baseModel(),
                classifier.model().parameterCount(),
                options.stepsPerEpoch(trainExamples.size()),
                weights == null ? "" : ", class weights " + Arrays.toString(weights));

        SequenceClassifier trained = classifier.model();
        Map<String, Tensor> start = null;
        LoraConfig lora = null;
        if (o.lora() != null) { // adapters on the frozen encoder; the head trains in full
            ModelConfig config = trained.config();
            lora = new LoraConfig(o.lora().rank(), o.lora().alpha(), o.lora().dropout(),
                    LoraConfig.resolveTargets(config, o.lora().targets()), o.lora().bias());
            start = trained.weights();
            trained = LoraModels.trainingClassifier(config, start, lora, seed);
            long count = trained.parameters().stream().mapToLong(p -> p.value().size()).sum();
            log.printf("LoRA: r=%d, alpha %s on %s, the head in full: %d trainable parameters (%.2f%%)%n", lora.rank(),
                    lora.alpha(), String.join(",", lora.targets()), count, 100.0 * count / classifier.model().parameterCount());
        }

        Path checkpoints = o.out().resolve(CHECKPOINTS);
        Files.createDirectories(checkpoints);
        StepClock clock = new StepClock(progress);
        Trainer trainer = new Trainer(trained, trainExamples, validationExamples, options,
                LossFunction.crossEntropy(weights)).checkpointDir(checkpoints).listener(clock);
        TrainingResult training = o.resume() ? trainer.resume() : trainer.fit();
        PeftAdapter adapter = null;
        if (lora != null) { // the classifier with the adapter merged in, as every other command reads it
            adapter = PeftAdapter.of(trained.config(), lora, o.baseModel(), trained.parameters());
            classifier.model().loadWeights(LoraModels.merge(trained.config(), start, adapter, o.out().resolve(ADAPTER)));
        }

        Classifier.Calibrated calibrated = calibrate(classifier, validation, files.validation(), log);
        classifier = calibrated.classifier();
        Evaluation validationScores = calibrated.heldOut();
        Evaluation testScores = test.size() == 0 ? null : Evaluation.of(classifier, test);
        List<DataFile> data = choice.describe();
        Manifest manifest = classifier.manifest()
                .withProvenance(Provenance.ofThisPlatform(o.command(), data, describe(o, options, train.size(), training), seed));
        if (validationScores != null) {
            manifest = manifest.withMetrics("validation", validationScores.summary());
        }
        if (testScores != null) {
            manifest = manifest.withMetrics("test", testScores.summary());
        }
        manifest = classifier.save(o.out(), manifest);
        if (adapter != null) { // after the save, which writes the folder whole
            adapter.write(o.out().resolve(ADAPTER));
        }
        deleteTree(checkpoints);
        return new TeacherResult(classifier, manifest, training, validationScores, testScores, train.size(), clock.steps,
                clock.stepNanos / 1e9);
    }

    /**
     * {@code c} with a temperature fitted on all validation rows (NLL, guarded: see
     * {@link dev.distillery.eval.TemperatureScaling#choose}) and its validation scores, or {@code c}
     * unchanged and no scores when there are no rows (fitting on training rows would calibrate to
     * their over-confidence).
     */
    static Classifier.Calibrated calibrate(Classifier c, Dataset validation, Path validationFile, PrintStream log) {
        if (validation.size() == 0) {
            log.println("calibration: no validation rows, so no temperature is fitted (T = 1)");
            return new Classifier.Calibrated(c, null);
        }
        String where = validationFile == null ? validation.name() : validationFile.toAbsolutePath().normalize().toString();
        Classifier.Calibrated calibrated = c.calibratedAndScored(validation, "validation: " + where
                + " (" + validation.size() + " rows)", CalibrationObjective.NLL, null);
        Manifest.Calibration k = calibrated.classifier().manifest().calibration();
        log.printf(Locale.ROOT, "calibration: temperature %.4f on %d validation rows; ECE %.4f -> %.4f, NLL %.4f -> %.4f%n  %s%n",
                k.temperature(), k.examples(), k.eceBefore(), k.eceAfter(), k.nllBefore(), k.nllAfter(), k.guard());
        return calibrated;
    }

    /** The same rows marked as carrying {@code t}: used for files that were written already transformed. */
    static Dataset as(Dataset d, TextTransform t) {
        return d.transform() == t ? d : new Dataset(d.name(), d.texts(), d.labels(), d.labelMap(), t);
    }

    /** A seeded random subset of {@code rows} rows, kept in file order. */
    static Dataset subsample(Dataset d, int rows, long seed) {
        int[] all = new int[d.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int i = 0; i < rows; i++) {
            int j = i + rng.nextInt(all.length - i);
            int tmp = all[i];
            all[i] = all[j];
            all[j] = tmp;
        }
        int[] kept = Arrays.copyOf(all, rows);
        Arrays.sort(kept);
        return d.subset(d.name() + " (" + rows + " of " + d.size() + " rows)", kept);
    }

    /**
     * n / (k · count_c), scikit-learn's "balanced" weights, so every class contributes equally to the loss;
     * a class absent from training gets weight 1 (it never occurs, so the value does not matter).
     */
    static float[] inverseFrequency(int[] counts) {
        long n = Arrays.stream(counts).asLongStream().sum();
        float[] w = new float[counts.length];
        for (int c = 0; c < counts.length; c++) {
            w[c] = counts[c] == 0 ? 1f : (float) ((double) n / ((double) counts.length * counts[c]));
        }
        return w;
    }

    private static Map<String, String> describe(TeacherOptions o, TrainOptions t, int trainRows, TrainingResult r) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("base_model", o.baseModel());
        m.put("text_column", o.textColumn() == null ? "url, else text" : o.textColumn());
        m.put("label_column", o.labelColumn());
        m.put("max_length", String.valueOf(o.maxLength()));
        m.put("max_train_rows", String.valueOf(o.maxTrainRows()));
        m.put("train_rows_used", String.valueOf(trainRows));
        m.put("class_weights", String.valueOf(o.classWeights()));
        if (o.lora() != null) {
            m.put("lora", "r=" + o.lora().rank() + " alpha=" + o.lora().alpha() + " dropout=" + o.lora().dropout()
                    + " targets=" + String.join(",", o.lora().targets()));
        }
        m.put("epochs", String.valueOf(t.epochs()));
        m.put("batch_size", String.valueOf(t.batchSize()));
        m.put("gradient_accumulation", String.valueOf(t.gradientAccumulation()));
        m.put("learning_rate", String.valueOf(t.learningRate()));
        m.put("warmup_ratio", String.valueOf(t.warmupRatio()));
        m.put("weight_decay", String.valueOf(t.weightDecay()));
        m.put("max_grad_norm", String.valueOf(t.maxGradNorm()));
        m.put("patience", String.valueOf(t.patience()));
        m.put("checkpoint_every_steps", String.valueOf(t.checkpointEverySteps()));
        m.put("resumed", String.valueOf(o.resume()));
        m.put("epochs_run", String.valueOf(r.epochs().size()));
        m.put("best_epoch", String.valueOf(r.bestEpoch()));
        m.put("stopped_early", String.valueOf(r.stoppedEarly()));
        m.put("optimizer_steps", String.valueOf(r.optimizerSteps()));
        return m;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * Passes every callback on, and counts the optimizer steps this process ran and their wall time
     * (from an epoch's start or the previous step to each step, so validation is not counted).
     */
    static final class StepClock implements TrainingListener {
        private final TrainingListener next;
        long steps;
        long stepNanos;
        private long mark;

        StepClock(TrainingListener next) {
            this.next = next;
        }

        @Override
        public void reference(String name, EpochSummary scores) {
            next.reference(name, scores);
        }

        @Override
        public void epochStarted(int epoch, int epochs, int batches, int firstBatch, int examples) {
            mark = System.nanoTime();
            next.epochStarted(epoch, epochs, batches, firstBatch, examples);
        }

        @Override
        public void batchDone(int epoch, int batch, int examples, float loss) {
            next.batchDone(epoch, batch, examples, loss);
        }

        @Override
        public void stepDone(long step, double learningRate, float gradNorm) {
            long now = System.nanoTime();
            stepNanos += now - mark;
            mark = now;
            steps++;
            next.stepDone(step, learningRate, gradNorm);
        }

        @Override
        public void epochDone(EpochSummary summary) {
            next.epochDone(summary);
        }
    }
}
