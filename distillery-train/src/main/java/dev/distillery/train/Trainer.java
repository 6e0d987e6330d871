package dev.distillery.train;

import dev.distillery.classify.BatchInference;
import dev.distillery.data.LengthBatches;
import dev.distillery.eval.ClassificationReport;
import dev.distillery.eval.Metrics;
import dev.distillery.model.CrossEntropy;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains a {@link TrainingTask}, a {@link SequenceClassifier} by default (the constructors taking
 * one) or a causal language model ({@link CausalLmTask}): epochs over length-grouped, dynamically padded batches,
 * AdamW with linear warm-up and decay, gradient clipping and accumulation, validation after each
 * epoch, the best epoch's weights kept, early stopping, and checkpoints to resume from.
 * <pre>{@code
 * TrainingResult r = new Trainer(model, train, validation, TrainOptions.defaults(), LossFunction.crossEntropy(null))
 *         .checkpointDir(dir).listener(new ConsoleProgress()).fit();
 * // after a crash: the same call with .resume() instead of .fit() finishes with the same weights
 * }</pre>
 *
 * <p>Per optimizer step, as Hugging Face's Trainer: each micro-batch's dLoss/dLogits is divided by
 * the accumulation count and back-propagated, then gradients are clipped, AdamW steps with
 * {@code schedule.lr(step)} and gradients are zeroed. Biases and LayerNorm weights get no weight decay.
 *
 * <p>Reproducibility: the data order of epoch e comes from {@code LengthBatches} seeded by
 * (seed, e), and the dropout of micro-batch b of epoch e from a generator seeded by (seed, e, b), so
 * the same seed and inputs give the same weights bit for bit (on one machine and thread count), and
 * a run resumed from a checkpoint continues exactly as if it had not stopped. Dropout is drawn only
 * in training; validation runs the model in evaluation mode.
 *
 * <p>Checkpoints ({@link CheckpointFile}) are written to {@value #LAST} at each epoch end and every
 * {@link TrainOptions#checkpointEverySteps()} optimizer steps, and the best epoch's weights to
 * {@value #BEST}. At the end the model holds the best epoch's weights when there is validation data.
 */
public final class Trainer {
    public static final String LAST = "last.ckpt";
    public static final String BEST = "best.ckpt";

    private final TrainingTask task;
    private final TrainOptions options;
    private final AuxiliaryLoss auxiliary; // null for none
    private final AdamW optimizer;
    private final int[] lengths; // [train examples]
    private Path checkpointDir;
    private TrainingListener listener = TrainingListener.NONE;
    private WeightProxy proxy; // null: the passes see the optimizer's weights

    /**
     * @param validation examples to score after each epoch, or null to train without selection or early stopping
     */
    public Trainer(SequenceClassifier model, TokenizedExamples train, TokenizedExamples validation, TrainOptions options,
                   LossFunction loss) {
        this(model, train, validation, options, loss, null);
    }

    /**
     * As the five-argument constructor, plus an objective on the whole trace (hidden-state
     * distillation) whose own parameters the optimizer trains too; {@code auxiliary} may be null.
     * Its parameters are not checkpointed, so a run with them cannot {@link #resume}.
     */
    public Trainer(SequenceClassifier model, TokenizedExamples train, TokenizedExamples validation, TrainOptions options,
                   LossFunction loss, AuxiliaryLoss auxiliary) {
        this(new ClassifierTask(model, train, validation, options, loss, auxiliary), options, auxiliary);
    }

    /** Trains {@code task} with {@code options} (its class index options apply to classifiers only). */
    public Trainer(TrainingTask task, TrainOptions options) {
        this(task, options, null);
    }

    private Trainer(TrainingTask task, TrainOptions options, AuxiliaryLoss auxiliary) {
        if (task.parameters().isEmpty()) {
            throw new IllegalArgumentException("the model " + task.model() + " has no trainable weights");
        }
        if (task.size() == 0) {
            throw new IllegalArgumentException(task.dataName() + " has no examples to train on");
        }
        this.task = task;
        this.options = options;
        this.auxiliary = auxiliary;
        List<Parameter> trained = new ArrayList<>(task.parameters());
        if (auxiliary != null) {
            trained.addAll(auxiliary.parameters());
        }
        this.optimizer = new AdamW(trained, AdamW.Options.withWeightDecay(options.weightDecay()),
                AdamW::biasOrLayerNorm);
        this.lengths = task.lengths();
    }

    /** A sequence classifier's micro-batches, validation and checks, as the Trainer always ran them. */
    private static final class ClassifierTask implements TrainingTask {
        private final SequenceClassifier model;
        private final TokenizedExamples train;
        private final TokenizedExamples validation;
        private final TrainOptions options;
        private final LossFunction loss;
        private final AuxiliaryLoss auxiliary;

        ClassifierTask(SequenceClassifier model, TokenizedExamples train, TokenizedExamples validation,
                       TrainOptions options, LossFunction loss, AuxiliaryLoss auxiliary) {
            check(model, train, validation, options);
            this.model = model;
            this.train = train;
            this.validation = validation == null || validation.size() == 0 ? null : validation;
            this.options = options;
            this.loss = loss;
            this.auxiliary = auxiliary;
        }

        @Override
        public String model() {
            return model.config().toString();
        }

        @Override
        public List<Parameter> parameters() {
            return model.parameters();
        }

        @Override
        public Map<String, Tensor> weights() {
            return model.weights();
        }

        @Override
        public void loadWeights(Map<String, Tensor> weights) {
            model.loadWeights(weights);
        }

        @Override
        public TokenizedExamples examples() {
            return train;
        }

        @Override
        public float backwardBatch(int[] rows, float scale, SplittableRandom rng) {
            return Trainer.backwardBatch(model, train, rows, loss, auxiliary, scale, rng);
        }

        @Override
        public boolean hasValidation() {
            return validation != null;
        }

        @Override
        public EpochSummary validate() {
            return Trainer.validate(model, validation, options);
        }
    }

    private static void check(SequenceClassifier model, TokenizedExamples train, TokenizedExamples validation,
                              TrainOptions options) {
        if (!model.trainable()) {
            throw new IllegalArgumentException("the " + model.config().family() + " model is frozen (a serving snapshot "
                    + "or quantized): it has no trainable weights; train the FP32 model it came from");
        }
        int numLabels = model.config().numLabels();
        int maxPositions = model.config().maxPositions();
        for (TokenizedExamples set : validation == null ? List.of(train) : List.of(train, validation)) {
            if (set.numLabels() != numLabels) {
                throw new IllegalArgumentException(set.name() + " has " + set.numLabels() + " labels but the model "
                        + numLabels + " " + model.config().labels());
            }
            if (set.maxLength() > maxPositions) {
                throw new IllegalArgumentException(set.name() + " has an example of " + set.maxLength()
                        + " tokens but the model takes at most " + maxPositions + "; truncate when tokenizing");
            }
        }
        if (train.size() == 0) {
            throw new IllegalArgumentException(train.name() + " has no examples to train on");
        }
        if (options.positiveClass() >= numLabels) {
            throw new IllegalArgumentException("positive class " + options.positiveClass() + " is not one of the "
                    + numLabels + " labels " + model.config().labels());
        }
    }

    /** Folder for {@value #LAST} and {@value #BEST}; without one nothing is written and resume is impossible. */
    public Trainer checkpointDir(Path dir) {
        this.checkpointDir = dir;
        return this;
    }

    public Trainer listener(TrainingListener l) {
        this.listener = l;
        return this;
    }

    /**
     * Runs the forward and backward passes, and validation, on {@code p}'s weights instead of the
     * optimizer's (quantization-aware training); checkpoints and the result keep the optimizer's.
     */
    public Trainer weightProxy(WeightProxy p) {
        this.proxy = p;
        return this;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    /** Trains from the model's current weights and a fresh optimizer. */
    public TrainingResult fit() {
        TrainerState start = new TrainerState(options, task.model(), task.fingerprint(), task.size(),
                0, 0, 0, 0, 0, List.of(), 0, Double.NEGATIVE_INFINITY, 0, false, List.of());
        return run(new Run(start), null);
    }

    /**
     * Continues the run saved in {@code checkpointDir}/{@value #LAST}: weights, optimizer state,
     * position and data order come from the checkpoint, so the model's current weights do not matter.
     *
     * @throws CheckpointException when the checkpoint is missing, damaged, or from other options, data or model
     */
    public TrainingResult resume() {
        if (checkpointDir == null) {
            throw new IllegalStateException("resume needs a checkpoint folder; call checkpointDir first");
        }
        if (auxiliary != null && !auxiliary.parameters().isEmpty()) {
            throw new IllegalStateException("cannot resume: the auxiliary loss's own parameters "
                    + auxiliary.parameters().getFirst().name() + "… are not checkpointed; start the run again");
        }
        Path file = checkpointDir.resolve(LAST);
        Checkpoint c = CheckpointFile.read(file);
        TrainerState s = c.state();
        if (!s.options().equals(options)) {
            throw new CheckpointException(file, "was made with options " + s.options() + "; this run has " + options
                    + ". Resume with the same options");
        }
        if (!s.modelConfig().equals(task.model())) {
            throw new CheckpointException(file, "belongs to a model " + s.modelConfig() + ", not " + task.model());
        }
        if (s.dataFingerprint() != task.fingerprint() || s.trainExamples() != task.size()) {
            throw new CheckpointException(file, "was made on other training data (" + s.trainExamples()
                    + " examples, fingerprint " + Long.toHexString(s.dataFingerprint()) + "); " + task.dataName()
                    + " has " + task.size() + " examples, fingerprint " + Long.toHexString(task.fingerprint()));
        }
        if (c.optimizer() == null) {
            throw new CheckpointException(file, "holds no optimizer state (a weights-only best checkpoint?)");
        }
        task.loadWeights(c.weights());
        optimizer.restore(c.optimizer());
        Map<String, float[]> best = null;
        if (s.bestEpoch() > 0) {
            if (s.bestEpoch() == s.epoch() && s.nextBatch() == 0) {
                best = copyWeights(); // saved right after the best epoch: these are its weights
            } else {
                Path bestFile = checkpointDir.resolve(BEST);
                Checkpoint b = CheckpointFile.read(bestFile);
                if (b.state().bestEpoch() != s.bestEpoch()) {
                    throw new CheckpointException(bestFile, "holds epoch " + b.state().bestEpoch() + " but " + file
                            + " expects the best epoch " + s.bestEpoch());
                }
                best = new LinkedHashMap<>();
                for (Map.Entry<String, Tensor> e : b.weights().entrySet()) {
                    best.put(e.getKey(), e.getValue().data());
                }
            }
        }
        return run(new Run(s), best);
    }

    /** Mutable loop position, snapshotted into a {@link TrainerState} for checkpoints. */
    private final class Run {
        int epoch;
        int nextBatch;
        long steps;
        double epochLossSum;
        int epochBatches;
        List<int[]> order;
        int bestEpoch;
        double bestScore;
        int sinceImprovement;
        boolean stoppedEarly;
        final List<EpochSummary> history;

        Run(TrainerState s) {
            epoch = s.epoch();
            nextBatch = s.nextBatch();
            steps = s.optimizerSteps();
            epochLossSum = s.epochLossSum();
            epochBatches = s.epochBatches();
            order = s.epochOrder().isEmpty() ? null : s.epochOrder();
            bestEpoch = s.bestEpoch();
            bestScore = s.bestScore();
            sinceImprovement = s.epochsWithoutImprovement();
            stoppedEarly = s.stoppedEarly();
            history = new ArrayList<>(s.history());
        }

        TrainerState snapshot() {
            return new TrainerState(options, task.model(), task.fingerprint(), task.size(), epoch,
                    nextBatch, steps, epochLossSum, epochBatches, order == null ? List.of() : order, bestEpoch, bestScore,
                    sinceImprovement, stoppedEarly, history);
        }
    }

    private TrainingResult run(Run r, Map<String, float[]> bestWeights) {
        long totalSteps = (long) options.epochs() * options.stepsPerEpoch(task.size());
        LinearWarmupSchedule schedule = LinearWarmupSchedule.withWarmupRatio(options.learningRate(),
                options.warmupRatio(), totalSteps);
        int accumulation = options.gradientAccumulation();
        float scale = 1f / accumulation;
        optimizer.zeroGrad();
        while (r.epoch < options.epochs() && !r.stoppedEarly) {
            if (r.order == null) {
                r.order = LengthBatches.of(lengths, options.batchSize(), derive(options.seed(), r.epoch, -1));
            }
            List<int[]> order = r.order;
            listener.epochStarted(r.epoch + 1, options.epochs(), order.size(), r.nextBatch, task.size());
            for (int b = r.nextBatch; b < order.size(); b++) {
                int[] rows = order.get(b);
                SplittableRandom dropout = new SplittableRandom(derive(options.seed(), r.epoch, b));
                if (proxy != null && b % accumulation == 0) { // weights change only at optimizer steps
                    proxy.apply();
                }
                float value = task.backwardBatch(rows, scale, dropout);
                r.epochLossSum += value;
                r.epochBatches++;
                listener.batchDone(r.epoch + 1, b, rows.length, value);
                if ((b + 1) % accumulation == 0 || b == order.size() - 1) {
                    if (proxy != null) {
                        proxy.restore(); // the update goes to the master weights
                    }
                    float norm = options.maxGradNorm() > 0
                            ? GradientClipping.clipGlobalNorm(optimizer.parameters(), options.maxGradNorm())
                            : GradientClipping.globalNorm(optimizer.parameters());
                    double lr = schedule.lr(r.steps);
                    optimizer.step(lr);
                    optimizer.zeroGrad();
                    r.steps++;
                    r.nextBatch = b + 1;
                    if (checkpointDir != null && options.checkpointEverySteps() > 0
                            && r.steps % options.checkpointEverySteps() == 0 && b + 1 < order.size()) {
                        CheckpointFile.write(checkpointDir.resolve(LAST), new Checkpoint(r.snapshot(), task.weights(),
                                optimizer.state()));
                    }
                    listener.stepDone(r.steps, lr, norm);
                }
            }
            EpochSummary summary = endEpoch(r);
            if (summary.improved()) {
                bestWeights = copyWeights();
            }
            if (checkpointDir != null) {
                // last before best: if a crash falls between them, resume finds the best weights in last
                CheckpointFile.write(checkpointDir.resolve(LAST), new Checkpoint(r.snapshot(), task.weights(),
                        optimizer.state()));
                if (summary.improved()) {
                    CheckpointFile.write(checkpointDir.resolve(BEST), new Checkpoint(r.snapshot(), task.weights(), null));
                }
            }
            listener.epochDone(summary);
        }
        if (bestWeights != null) {
            Map<String, Tensor> w = task.weights();
            bestWeights.forEach((name, data) -> System.arraycopy(data, 0, w.get(name).data(), 0, data.length));
            task.parameters().forEach(Parameter::touch);
        }
        return new TrainingResult(r.history, r.bestEpoch, r.bestScore, r.stoppedEarly, r.steps);
    }

    /** Validation, best-epoch bookkeeping and early stopping; moves {@code r} to the next epoch. */
    private EpochSummary endEpoch(Run r) {
        int epochNumber = r.epoch + 1;
        double trainLoss = r.epochLossSum / r.epochBatches;
        double validationLoss = Double.NaN;
        double accuracy = Double.NaN;
        double macroF1 = Double.NaN;
        double score = Double.NaN;
        boolean improved = false;
        if (task.hasValidation()) {
            if (proxy != null) {
                proxy.apply();
            }
            EpochSummary scores;
            try {
                scores = task.validate();
            } finally {
                if (proxy != null) {
                    proxy.restore();
                }
            }
            validationLoss = scores.validationLoss();
            accuracy = scores.accuracy();
            macroF1 = scores.macroF1();
            score = scores.score();
            if (score > r.bestScore) {
                improved = true;
                r.bestScore = score;
                r.bestEpoch = epochNumber;
                r.sinceImprovement = 0;
            } else {
                r.sinceImprovement++;
                if (options.patience() > 0 && r.sinceImprovement >= options.patience() && epochNumber < options.epochs()) {
                    r.stoppedEarly = true;
                }
            }
        }
        EpochSummary summary = new EpochSummary(epochNumber, trainLoss, validationLoss, accuracy, macroF1, score,
                improved, r.steps);
        r.history.add(summary);
        r.epoch++;
        r.nextBatch = 0;
        r.epochLossSum = 0;
        r.epochBatches = 0;
        r.order = null;
        return summary;
    }

    /**
     * The validation fields of an {@link EpochSummary} (epoch 0, no training loss) for {@code model} in
     * evaluation mode on {@code examples}: mean cross-entropy, accuracy, macro F1 and the selection score
     * of {@code options}. Distillation shows the teacher's this way next to the student's epochs.
     */
    public static EpochSummary validate(SequenceClassifier model, TokenizedExamples examples, TrainOptions options) {
        int labels = model.config().numLabels();
        float[] logits = BatchInference.logits(model, examples, options.evalBatchSize()); // [examples, labels]
        int[] actual = examples.labels().clone();
        double loss = CrossEntropy.compute(logits, actual, labels, null).value();
        ClassificationReport report = Metrics.classification(actual, BatchInference.argmax(logits, labels), labels);
        double score = options.positiveClass() >= 0 ? report.perClass().get(options.positiveClass()).f1() : report.macroF1();
        return new EpochSummary(0, Double.NaN, loss, report.accuracy(), report.macroF1(), score, false, 0);
    }

    /**
     * Forward and backward of one micro-batch, adding {@code scale}·gradient into every parameter;
     * returns the unscaled loss.
     */
    static float backwardBatch(SequenceClassifier model, TokenizedExamples examples, int[] rows, LossFunction loss,
                               float scale, SplittableRandom dropout) {
        return backwardBatch(model, examples, rows, loss, null, scale, dropout);
    }

    /** As above, plus the auxiliary objective (may be null) whose value is added to the returned loss. */
    static float backwardBatch(SequenceClassifier model, TokenizedExamples examples, int[] rows, LossFunction loss,
                               AuxiliaryLoss auxiliary, float scale, SplittableRandom dropout) {
        EncoderInput input = examples.pad(rows);
        SequenceClassifier.Trace trace = model.forwardTrain(input, dropout);
        Loss l = loss.compute(trace.logits(), model.config().numLabels(), rows, examples.labels(rows));
        float[] dLogits = l.dLogits();
        if (scale != 1f) {
            dLogits = dLogits.clone();
            for (int i = 0; i < dLogits.length; i++) {
                dLogits[i] *= scale;
            }
        }
        if (auxiliary == null) {
            model.backward(trace, dLogits);
            return l.value();
        }
        AuxiliaryLoss.Result extra = auxiliary.compute(trace, rows, scale);
        model.backward(trace, dLogits, extra.dHiddenStates(), extra.dAttentionProbs());
        return l.value() + extra.value();
    }

    private Map<String, float[]> copyWeights() {
        Map<String, float[]> copy = new LinkedHashMap<>();
        for (Parameter p : task.parameters()) {
            copy.put(p.name(), p.data().clone());
        }
        return copy;
    }

    /** A well-mixed seed for position (a, b) of the run seeded by {@code seed} (SplitMix64's finaliser). */
    static long derive(long seed, long a, long b) {
        long h = mix64(seed + 0x9E3779B97F4A7C15L * (a + 1));
        return mix64(h + 0x9E3779B97F4A7C15L * (b + 2));
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
