package dev.distillery.distill;

import dev.distillery.generate.Generator;
import dev.distillery.generate.Sampler;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.EncoderInput;
import dev.distillery.report.Progress;
import dev.distillery.tensor.Tensor;
import dev.distillery.tokenize.Tokenizer;
import dev.distillery.train.AdamW;
import dev.distillery.train.Checkpoint;
import dev.distillery.train.CheckpointException;
import dev.distillery.train.CheckpointFile;
import dev.distillery.train.GradientClipping;
import dev.distillery.train.LinearWarmupSchedule;
import dev.distillery.train.Loss;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.TrainerState;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Distils a teacher LLM into a smaller student decoder of the same tokenizer, token by token
 * ({@link TokenDistillationLoss}: forward KL, MiniLLM's reverse KL or a mix, with temperature and
 * the next-token cross-entropy), optionally on the teacher's own generations too: with
 * {@link Options#teacherGenerations} N, the teacher samples N continuations of every training
 * text and the student trains on those sequences as well (sequence-level distillation, Kim and
 * Rush 2016, "Sequence-Level Knowledge Distillation").
 * <pre>{@code
 * DecoderDistiller.Result r = new DecoderDistiller(teacher, tokenizer, stopIds, options)
 *         .checkpointDir(dir).distill(DecoderStudents.fromTeacher(...), trainTexts, validationTexts);
 * r.after().klTeacherStudent();   // lower than r.before()'s
 * }</pre>
 *
 * <p>Per optimizer step: each micro-batch of right-padded sequences runs through the frozen teacher
 * (its logits at every position) and the student; the loss's gradient on the student's logits,
 * divided by the accumulation count, is back-propagated; then the global gradient norm is
 * clipped, AdamW steps with the linear warm-up and decay schedule, and gradients are zeroed.
 * Norm weights and biases get no weight decay. Epoch e visits the sequences in an order seeded by
 * (seed, e), so a run resumed from its checkpoint ({@value #LAST}, written atomically every
 * {@link TrainOptions#checkpointEverySteps()} steps and at each epoch's end) continues as if it
 * had not stopped.
 */
public final class DecoderDistiller {
    public static final String LAST = "last.ckpt";

    /**
     * @param loss                  the objective
     * @param maxLength             tokens per training sequence at most (the tokenizer's special tokens included)
     * @param teacherGenerations    continuations the teacher samples of each training text; 0 for none
     * @param generationTokens      new tokens per continuation at most
     * @param generationTemperature sampling temperature of the continuations (top-p 0.95)
     */
    public record Options(TokenDistillationLoss loss, int maxLength, int teacherGenerations, int generationTokens,
                          float generationTemperature, TrainOptions train) {
        public Options {
            if (maxLength < 2 || teacherGenerations < 0 || generationTokens < 1 || !(generationTemperature >= 0)) {
                throw new IllegalArgumentException("max length " + maxLength + " must be at least 2, teacher generations "
                        + teacherGenerations + " non-negative, generation tokens " + generationTokens
                        + " positive and the generation temperature " + generationTemperature + " non-negative");
            }
        }
    }

    /**
     * Scores on held-out sequences, averaged over every position with a next token.
     *
     * @param studentLoss      the student's next-token cross-entropy (nats)
     * @param teacherLoss      the teacher's
     * @param klTeacherStudent KL(teacher ‖ student) of the next-token distributions at T = 1 (what forward KL lowers)
     * @param klStudentTeacher KL(student ‖ teacher) at T = 1 (what reverse KL lowers)
     */
    public record Scores(double studentLoss, double teacherLoss, double klTeacherStudent, double klStudentTeacher,
                         long positions) {
    }

    /**
     * @param trainSequences     sequences trained on, the teacher's generations included
     * @param generatedSequences of them, the teacher's generations
     * @param epochLosses        mean training loss of each epoch run in this call
     * @param before             held-out scores before training; null without held-out texts
     * @param after              held-out scores after training; null without held-out texts
     */
    public record Result(CausalLanguageModel student, int trainSequences, int generatedSequences, long steps,
                         double trainSeconds, Scores before, Scores after, List<Double> epochLosses) {
        public double secondsPerStep() {
            return steps == 0 ? Double.NaN : trainSeconds / steps;
        }
    }

    private final CausalLanguageModel teacher;
    private final Tokenizer tokenizer;
    private final Set<Integer> stopIds;
    private final Options options;
    private Path checkpointDir;
    private boolean resume;
    private PrintStream log;
    /** Optimizer steps after which {@link #distill} returns as if the process had been killed; for tests of resume. */
    long stopAfterSteps = Long.MAX_VALUE;

    /** @param stopIds tokens that end a teacher generation */
    public DecoderDistiller(CausalLanguageModel teacher, Tokenizer tokenizer, Set<Integer> stopIds, Options options) {
        this.teacher = teacher;
        this.tokenizer = tokenizer;
        this.stopIds = Set.copyOf(stopIds);
        this.options = options;
    }

    public DecoderDistiller checkpointDir(Path dir) {
        this.checkpointDir = dir;
        return this;
    }

    /** Continue from {@value #LAST} in the checkpoint folder, given the same teacher, texts and options. */
    public DecoderDistiller resume(boolean r) {
        this.resume = r;
        return this;
    }

    /** Progress bars and notes; null (the default) for none. */
    public DecoderDistiller log(PrintStream out) {
        this.log = out;
        return this;
    }

    /**
     * @param student    trainable, of the teacher's vocabulary
     * @param validation held-out texts scored before and after; may be empty
     * @throws IllegalArgumentException when the student is frozen, its vocabulary differs, or no text has two tokens
     */
    public Result distill(CausalLanguageModel student, List<String> train, List<String> validation) {
        if (!student.trainable()) {
            throw new IllegalArgumentException("the student is frozen (a serving snapshot or quantized); distil into a "
                    + "trainable model");
        }
        if (student.config().vocabSize() != teacher.config().vocabSize()) {
            throw new IllegalArgumentException("the student's vocabulary of " + student.config().vocabSize()
                    + " differs from the teacher's " + teacher.config().vocabSize() + ": token-level distillation needs one");
        }
        int maxLength = Math.min(options.maxLength(), Math.min(student.config().maxPositions(),
                teacher.config().maxPositions()));
        List<int[]> sequences = encode(train, maxLength);
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("no training text has two tokens to learn from");
        }
        int generated = 0;
        if (options.teacherGenerations() > 0) {
            List<int[]> gen = generate(sequences, maxLength);
            generated = gen.size();
            sequences.addAll(gen);
        }
        List<int[]> held = encode(validation, maxLength);
        Scores before = held.isEmpty() ? null : score(student, held);

        TrainOptions t = options.train();
        AdamW optimizer = new AdamW(student.parameters(), AdamW.Options.withWeightDecay(t.weightDecay()),
                name -> name.endsWith(".bias") || name.contains("norm"));
        int batches = t.batchesPerEpoch(sequences.size());
        long totalSteps = (long) t.epochs() * t.stepsPerEpoch(sequences.size());
        LinearWarmupSchedule schedule = LinearWarmupSchedule.withWarmupRatio(t.learningRate(), t.warmupRatio(), totalSteps);
        long fingerprint = fingerprint(sequences);
        int firstEpoch = 0;
        int firstBatch = 0;
        long steps = 0;
        double lossSum = 0;
        int lossBatches = 0;
        if (resume && checkpointDir != null && Files.isRegularFile(checkpointDir.resolve(LAST))) {
            Checkpoint c = CheckpointFile.read(checkpointDir.resolve(LAST));
            TrainerState s = c.state();
            if (!s.modelConfig().equals(student.config().toString()) || s.dataFingerprint() != fingerprint) {
                throw new CheckpointException(checkpointDir.resolve(LAST), "was written for another student or other "
                        + "training data; give the same teacher, data and options, or start afresh without --resume");
            }
            student.loadWeights(c.weights());
            optimizer.restore(c.optimizer());
            firstEpoch = s.epoch();
            firstBatch = s.nextBatch();
            steps = s.optimizerSteps();
            lossSum = s.epochLossSum();
            lossBatches = s.epochBatches();
        }
        List<Double> epochLosses = new ArrayList<>();
        long start = System.nanoTime();
        long stepsRun = 0;
        int vocab = student.config().vocabSize();
        for (int epoch = firstEpoch; epoch < t.epochs(); epoch++) {
            int[] order = order(sequences.size(), t.seed(), epoch);
            int from = epoch == firstEpoch ? firstBatch : 0;
            if (epoch != firstEpoch) {
                lossSum = 0;
                lossBatches = 0;
            }
            try (Progress bar = log == null ? null : Progress.on(log, "epoch " + (epoch + 1) + "/" + t.epochs(), batches,
                    "batch")) {
                if (bar != null && from > 0) {
                    bar.skip(from);
                }
                for (int b = from; b < batches; b++) {
                    EncoderInput in = batch(sequences, order, b * t.batchSize(),
                            Math.min(sequences.size(), (b + 1) * t.batchSize()));
                    float[] teacherLogits = options.loss().alpha() == 0 ? null : teacher.logits(in);
                    CausalLanguageModel.Trace trace = student.forwardTrain(in);
                    Loss loss = options.loss().compute(trace.logits(), teacherLogits, in, vocab);
                    float[] d = loss.dLogits();
                    if (t.gradientAccumulation() > 1) {
                        for (int i = 0; i < d.length; i++) {
                            d[i] /= t.gradientAccumulation();
                        }
                    }
                    student.backward(trace, d, null, null);
                    lossSum += loss.value();
                    lossBatches++;
                    if (bar != null) {
                        bar.advance(1, loss.value());
                    }
                    boolean stepNow = (b + 1) % t.gradientAccumulation() == 0 || b + 1 == batches;
                    if (stepNow) {
                        if (t.maxGradNorm() > 0) {
                            GradientClipping.clipGlobalNorm(student.parameters(), t.maxGradNorm());
                        }
                        optimizer.step(schedule.lr(steps));
                        optimizer.zeroGrad();
                        steps++;
                        stepsRun++;
                        boolean epochEnd = b + 1 == batches;
                        if (checkpointDir != null && (epochEnd
                                || t.checkpointEverySteps() > 0 && steps % t.checkpointEverySteps() == 0)) {
                            save(student, optimizer, epochEnd ? epoch + 1 : epoch, epochEnd ? 0 : b + 1, steps,
                                    epochEnd ? 0 : lossSum, epochEnd ? 0 : lossBatches, fingerprint, sequences.size());
                        }
                        if (steps >= stopAfterSteps) {
                            return new Result(student, sequences.size(), generated, stepsRun,
                                    (System.nanoTime() - start) / 1e9, before, null, epochLosses);
                        }
                    }
                }
            }
            epochLosses.add(lossBatches == 0 ? Double.NaN : lossSum / lossBatches);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Scores after = held.isEmpty() ? null : score(student, held);
        return new Result(student, sequences.size(), generated, stepsRun, seconds, before, after, epochLosses);
    }

    /**
     * Each text's ids in consecutive windows of at most {@code maxLength} tokens, so a long text is
     * learnt whole; windows of fewer than two tokens have no next token to learn and are left out.
     */
    private List<int[]> encode(List<String> texts, int maxLength) {
        List<int[]> out = new ArrayList<>(texts.size());
        for (String text : texts) {
            int[] ids = tokenizer.encode(text).ids();
            for (int from = 0; from + 1 < ids.length; from += maxLength) {
                out.add(Arrays.copyOfRange(ids, from, Math.min(ids.length, from + maxLength)));
            }
        }
        return out;
    }

    /**
     * N sampled continuations of each training sequence by the teacher: the sequence, cut to leave
     * room, then up to {@link Options#generationTokens()} new tokens. Seeded by (seed, sequence, n).
     */
    private List<int[]> generate(List<int[]> prompts, int maxLength) {
        int room = Math.min(options.generationTokens(), maxLength - 1);
        Generator generator = new Generator(teacher, null, stopIds);
        List<int[]> out = new ArrayList<>();
        try (Progress bar = log == null ? null : Progress.on(log, "teacher generations",
                (long) prompts.size() * options.teacherGenerations(), "seq")) {
            for (int i = 0; i < prompts.size(); i++) {
                int[] p = prompts.get(i);
                int[] prompt = Arrays.copyOf(p, Math.min(p.length, maxLength - room));
                for (int n = 0; n < options.teacherGenerations(); n++) {
                    Sampler sampler = new Sampler(options.generationTemperature(), 0.95f,
                            options.train().seed() * 1_000_003L + (long) i * options.teacherGenerations() + n);
                    List<Integer> ids = generator.generate(prompt, room, sampler, null).ids();
                    int[] seq = Arrays.copyOf(prompt, prompt.length + ids.size());
                    for (int k = 0; k < ids.size(); k++) {
                        seq[prompt.length + k] = ids.get(k);
                    }
                    out.add(seq);
                    if (bar != null) {
                        bar.advance(1);
                    }
                }
            }
        }
        return out;
    }

    /** The validation scores of {@code model} on {@code sequences}, in batches of the training batch size. */
    private Scores score(CausalLanguageModel model, List<int[]> sequences) {
        int vocab = model.config().vocabSize();
        double ceS = 0;
        double ceT = 0;
        double kl = 0;
        double klReverse = 0;
        long positions = 0;
        int[] order = new int[sequences.size()];
        Arrays.setAll(order, i -> i);
        int size = options.train().evalBatchSize();
        for (int from = 0; from < sequences.size(); from += size) {
            EncoderInput in = batch(sequences, order, from, Math.min(sequences.size(), from + size));
            float[] s = model.logits(in);
            float[] t = teacher.logits(in);
            int seq = in.seqLen();
            for (int b = 0; b < in.batch(); b++) {
                for (int p = 0; p + 1 < seq; p++) {
                    int r = b * seq + p;
                    if (in.attentionMask()[r] == 0 || in.attentionMask()[r + 1] == 0) {
                        continue;
                    }
                    int next = in.inputIds()[r + 1];
                    double[] ls = logSoftmax(s, r * vocab, vocab);
                    double[] lt = logSoftmax(t, r * vocab, vocab);
                    ceS -= ls[next];
                    ceT -= lt[next];
                    for (int j = 0; j < vocab; j++) {
                        kl += Math.exp(lt[j]) * (lt[j] - ls[j]);
                        klReverse += Math.exp(ls[j]) * (ls[j] - lt[j]);
                    }
                    positions++;
                }
            }
        }
        return new Scores(ceS / positions, ceT / positions, kl / positions, klReverse / positions, positions);
    }

    private static double[] logSoftmax(float[] x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(x[off + i] - max);
        }
        double log = max + Math.log(sum);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = x[off + i] - log;
        }
        return out;
    }

    /** Sequences order[from..to) right-padded to the longest, mask 0 on padding. */
    private EncoderInput batch(List<int[]> sequences, int[] order, int from, int to) {
        int rows = to - from;
        int len = 0;
        for (int i = from; i < to; i++) {
            len = Math.max(len, sequences.get(order[i]).length);
        }
        int[] ids = new int[rows * len];
        int[] mask = new int[rows * len];
        Arrays.fill(ids, Math.max(0, tokenizer.padId()));
        for (int r = 0; r < rows; r++) {
            int[] s = sequences.get(order[from + r]);
            System.arraycopy(s, 0, ids, r * len, s.length);
            Arrays.fill(mask, r * len, r * len + s.length, 1);
        }
        return new EncoderInput(rows, len, ids, new int[rows * len], mask);
    }

    /** The visiting order of epoch {@code epoch}: a Fisher-Yates shuffle seeded by (seed, epoch). */
    static int[] order(int n, long seed, int epoch) {
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int x = order[i];
            order[i] = order[j];
            order[j] = x;
        }
        return order;
    }

    private static long fingerprint(List<int[]> sequences) {
        long h = 1125899906842597L;
        for (int[] s : sequences) {
            h = 31 * h + Arrays.hashCode(s);
        }
        return h;
    }

    private void save(CausalLanguageModel student, AdamW optimizer, int epoch, int nextBatch, long steps, double lossSum,
                      int lossBatches, long fingerprint, int examples) {
        TrainerState state = new TrainerState(options.train(), student.config().toString(), fingerprint, examples, epoch,
                nextBatch, steps, lossSum, lossBatches, List.of(), 0, Double.NEGATIVE_INFINITY, 0, false, List.of());
        Map<String, Tensor> weights = student.weights();
        try {
            Files.createDirectories(checkpointDir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        CheckpointFile.write(checkpointDir.resolve(LAST), new Checkpoint(state, weights, optimizer.state()));
    }
}
