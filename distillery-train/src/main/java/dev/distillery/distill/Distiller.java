package dev.distillery.distill;

import dev.distillery.classify.BatchInference;
import dev.distillery.classify.LogitsCache;
import dev.distillery.data.Dataset;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.quant.QuantScheme;
import dev.distillery.robust.AdversarialAugmentation;
import dev.distillery.robust.AttackOptions;
import dev.distillery.robust.AttackResult;
import dev.distillery.robust.Robustness;
import dev.distillery.robust.Scorer;
import dev.distillery.tokenize.Tokenizer;
import dev.distillery.tokenize.WordPieceTokenizer;
import dev.distillery.train.AuxiliaryLoss;
import dev.distillery.train.Trainer;
import dev.distillery.train.TrainingListener;
import dev.distillery.train.TrainingResult;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trains a student to imitate a teacher: the one entry point of distillation.
 * <pre>{@code
 * DistillResult r = new Distiller(new Distiller.Teacher(teacherModel, teacherTokenizer), DistillOptions.defaults())
 *         .teacherLogitsCache(dir.resolve("teacher-logits.bin"))
 *         .distill(StudentSpec.layersOf(teacherModel.config(), 3), splits.train(), splits.validation());
 * r.student();    // trained, with the best validation epoch's weights
 * r.tokenizer();  // the trimmed tokenizer the student's ids belong to: save it with the student
 * }</pre>
 *
 * <p>Steps: (1) seeded URL variants of the training texts ({@link UrlAugmenter}) join the training
 * set; (2) the teacher's logits over all of it are computed once, or read from the cache file;
 * variants take the teacher's argmax as their hard label; (3) the vocabulary is trimmed to the
 * pieces of those texts (or to those used at least {@link DistillOptions#vocabMinCount} times);
 * (4) the student is built ({@link StudentFactory}); (5) the {@link Trainer}
 * runs with {@link SoftTargetLoss} and, when weighted, {@link HiddenStateLoss} and {@link AttentionLoss}. The hard-label
 * ablation takes the same path with α = 0 and without augmentation or the teacher's outputs. With
 * {@link #adversarial}, step (1) also attacks phishing training URLs against the teacher and adds the
 * successful adversarial URLs, labelled phishing, with the teacher's logits on their clean sources, balanced
 * by benign training URLs given the same edits, with the teacher's logits on those variants.
 */
public final class Distiller {
    /** A fine-tuned teacher and the tokenizer its ids come from. */
    public record Teacher(SequenceClassifier model, WordPieceTokenizer tokenizer) {
    }

    /**
     * @param student          the trained student
     * @param tokenizer        the student's tokenizer (trimmed when asked)
     * @param trim             the vocabulary trim, or null when the vocabulary was kept whole
     * @param teacherLogits    teacher logits over the training rows, in {@code trainExamples} order; null for the ablation
     * @param trainExamples    training rows the student saw: the dataset's, the variants, the benign variants, then
     *                         the adversarial URLs
     * @param augmentedTexts   the teacher-labelled variants added
     * @param benignVariants   edited benign URLs balancing the adversarial ones, with the teacher's logits on
     *                         themselves ({@link AdversarialAugmentation#benignVariants}), after the variants
     * @param adversarialTexts the adversarial URLs added labelled positive ({@link #adversarial}), last
     */
    public record DistillResult(SequenceClassifier student, WordPieceTokenizer tokenizer, TrainingResult training,
                                VocabularyTrim trim, TeacherLogits teacherLogits, int trainExamples,
                                List<String> augmentedTexts, List<String> benignVariants, List<String> adversarialTexts) {
    }

    private final Teacher teacher;
    private final DistillOptions options;
    private Path cacheFile;
    private Path corpusDir; // a content-keyed cache (LogitsCache) to take teacher logits from, or null
    private LogitsCache corpus;
    private PrintStream corpusLog;
    private Path checkpointDir;
    private TrainingListener listener = TrainingListener.NONE;
    private AdversarialAugmentation adversarial;
    private java.util.function.Function<SequenceClassifier, TrainingListener> studentHook;
    private boolean resume;
    private QuantScheme fakeQuantization; // null: plain FP32 training

    public Distiller(Teacher teacher, DistillOptions options) {
        this.teacher = teacher;
        this.options = options;
    }

    /** Reads teacher logits from {@code file} when it was made for the same inputs, else computes and writes them. */
    public Distiller teacherLogitsCache(Path file) {
        this.cacheFile = file;
        return this;
    }

    /**
     * Takes each training row's teacher logits from the content-keyed cache in {@code dir} when it has the row,
     * and computes only the others; {@code log} hears how many it had. The caller checks the cache against the
     * teacher ({@link LogitsCache#requireMatches}). The hard-label ablation ignores it.
     */
    public Distiller teacherLogitsFrom(Path dir, LogitsCache cache, PrintStream log) {
        this.corpusDir = dir;
        this.corpus = cache;
        this.corpusLog = log;
        return this;
    }

    public Distiller checkpointDir(Path dir) {
        this.checkpointDir = dir;
        return this;
    }

    /**
     * Adds adversarial URLs found against the teacher to the training rows; null (the default) for none. The
     * hard-label ablation ignores it, as it ignores augmentation.
     */
    public Distiller adversarial(AdversarialAugmentation a) {
        this.adversarial = a;
        return this;
    }

    public Distiller listener(TrainingListener l) {
        this.listener = l;
        return this;
    }

    /**
     * A listener made for the student once it exists, called before {@link #listener} on every
     * event: how gradual pruning ({@code prune.SparsityHook}) masks the student after each optimizer step.
     */
    public Distiller studentHook(java.util.function.Function<SequenceClassifier, TrainingListener> hook) {
        this.studentHook = hook;
        return this;
    }

    /**
     * Continue the run whose checkpoint is in the {@link #checkpointDir}: the same teacher, data and
     * options rebuild the same augmented rows, trimmed vocabulary and cached teacher logits, and the
     * {@link Trainer#resume} takes weights, optimizer state and position from the checkpoint.
     */
    public Distiller resume(boolean r) {
        this.resume = r;
        return this;
    }

    /**
     * Train the student through fake quantization to {@code scheme} ({@link FakeQuantization} of the
     * weights {@link FakeQuantization#packedBy} the scheme); null trains in plain FP32. Validation then
     * scores the fake-quantized student too.
     */
    public Distiller fakeQuantization(QuantScheme scheme) {
        this.fakeQuantization = scheme;
        return this;
    }

    /**
     * @param validation scored after each epoch to keep the best student; may be null or empty
     * @throws IOException when the teacher-logits cache cannot be read or written
     */
    public DistillResult distill(StudentSpec spec, Dataset train, Dataset validation) throws IOException {
        return distill(spec, null, train, validation);
    }

    /**
     * Trains {@code student} as it is, already initialised (a pruned model recovering from its
     * unpruned self, say), instead of building one from a spec. It must use the teacher's
     * tokenizer, so the vocabulary is not trimmed: the options must say so.
     *
     * @throws IllegalArgumentException when the options trim the vocabulary or the student's vocabulary
     *                                  or labels differ from the teacher's
     */
    public DistillResult distillInitialised(SequenceClassifier student, Dataset train, Dataset validation)
            throws IOException {
        if (options.trimVocabulary()) {
            throw new IllegalArgumentException("an initialised student keeps its vocabulary; turn vocabulary trimming off");
        }
        if (student.config().vocabSize() != teacher.tokenizer().vocabSize()
                || !student.config().labels().equals(teacher.model().config().labels())) {
            throw new IllegalArgumentException("the student's vocabulary of " + student.config().vocabSize()
                    + " pieces and labels " + student.config().labels() + " must be the teacher tokenizer's "
                    + teacher.tokenizer().vocabSize() + " and the teacher's " + teacher.model().config().labels());
        }
        return distill(null, student, train, validation);
    }

    private DistillResult distill(StudentSpec spec, SequenceClassifier initialised, Dataset train, Dataset validation)
            throws IOException {
        SequenceClassifier teacherModel = teacher.model();
        int numLabels = teacherModel.config().numLabels();
        if (train.labelMap().size() != numLabels) {
            throw new IllegalArgumentException(train.name() + " has " + train.labelMap().size() + " labels "
                    + train.labelMap() + " but the teacher " + numLabels + " " + teacherModel.config().labels());
        }
        boolean soft = !options.hardLabelsOnly();
        if (options.vocabMinCount() > 1 && (!options.trimVocabulary()
                || soft && (options.hiddenWeight() > 0 || options.attentionWeight() > 0))) {
            // the hidden-state and attention losses pair teacher and student tokens one to one, which dropped pieces break
            throw new IllegalArgumentException("a minimum piece count of " + options.vocabMinCount() + " needs vocabulary "
                    + "trimming on and no hidden-state or attention loss (weights " + options.hiddenWeight() + " and "
                    + options.attentionWeight() + ")");
        }
        List<String> variants = soft && options.augmentPerExample() > 0
                ? new UrlAugmenter(options.train().seed()).augment(train.texts(), options.augmentPerExample())
                : List.of();
        List<String> texts = new ArrayList<>(train.texts());
        texts.addAll(variants);
        int positive = options.train().positiveClass() >= 0 ? options.train().positiveClass() : numLabels - 1;
        List<AttackResult> attacks = soft && adversarial != null ? attackTeacher(train, positive) : List.of();
        List<String> adversarialTexts = attacks.stream().map(AttackResult::adversarial).toList();
        List<String> benignVariants = attacks.isEmpty() ? List.of()
                : adversarial.benignVariants(negativeTexts(train, positive), attacks, train.transform(), options.train().seed());
        int logitRows = texts.size();
        texts.addAll(benignVariants);
        int adversarialStart = texts.size();
        texts.addAll(adversarialTexts);

        int[][] teacherIds = new int[texts.size()][];
        for (int i = 0; i < teacherIds.length; i++) {
            teacherIds[i] = teacher.tokenizer().encode(texts.get(i), options.maxLength()).ids();
        }
        int teacherPad = teacher.tokenizer().padId();
        TeacherLogits logits = null;
        int[] labels = new int[texts.size()];
        int[] given = train.labels();
        System.arraycopy(given, 0, labels, 0, given.length);
        Arrays.fill(labels, adversarialStart, texts.size(), positive);
        if (soft) {
            // labels play no part in the teacher's logits, so the cache is keyed on the inputs alone; benign variants
            // and adversarial rows get their logits below and stay out of it, so it serves runs with and without them
            TokenizedExamples inputs = new TokenizedExamples("teacher inputs of " + train.name(),
                    Arrays.copyOf(teacherIds, logitRows), null, new int[logitRows], numLabels, teacherPad);
            List<String> logitTexts = texts.subList(0, logitRows);
            logits = cacheFile != null
                    ? TeacherLogits.cached(cacheFile, teacherModel, inputs, options.teacherBatchSize(), () -> known(logitTexts))
                    : TeacherLogits.compute(teacherModel, inputs, options.teacherBatchSize(), known(logitTexts));
            int[] predicted = logits.argmax();
            System.arraycopy(predicted, given.length, labels, given.length, variants.size());
            if (!benignVariants.isEmpty()) {
                // the teacher on each variant itself: an edited benign URL keeps whatever class the teacher gives it
                TokenizedExamples benign = new TokenizedExamples("benign variants of " + train.name(),
                        Arrays.copyOfRange(teacherIds, logitRows, adversarialStart), null, new int[benignVariants.size()],
                        numLabels, teacherPad);
                float[] onVariants = TeacherLogits.compute(teacherModel, benign, options.teacherBatchSize()).logits();
                System.arraycopy(BatchInference.argmax(onVariants, numLabels), 0, labels, logitRows, benignVariants.size());
                logits = appended(logits, onVariants);
            }
            if (!attacks.isEmpty()) {
                logits = appended(logits, sourceRows(logits, attacks, train.texts()));
            }
        }
        TokenizedExamples teacherTrain = new TokenizedExamples(train.name(), teacherIds, null, labels, numLabels,
                teacherPad);

        VocabularyTrim trim = options.trimVocabulary()
                ? VocabularyTrim.fromTexts(teacher.tokenizer(), texts, options.vocabMinCount()) : null;
        WordPieceTokenizer tokenizer = trim == null ? teacher.tokenizer() : trim.tokenizer();
        TokenizedExamples studentTrain = trim == null ? teacherTrain : trim.studentRows(teacherTrain, texts, options.maxLength());
        TokenizedExamples studentValidation = validation == null || validation.size() == 0 ? null
                : tokenize(tokenizer, validation, numLabels);

        SequenceClassifier student = initialised != null ? initialised : StudentFactory.create(teacherModel, spec, options.init(),
                trim == null ? null : trim.keptIds(), options.train().seed());
        SoftTargetLoss loss = new SoftTargetLoss(logits, options.divergence(), options.temperature(),
                soft ? options.alpha() : 0);
        List<AuxiliaryLoss> auxiliary = new ArrayList<>();
        if (soft && options.hiddenWeight() > 0) {
            auxiliary.add(new HiddenStateLoss(teacherModel, teacherTrain, student, (float) options.hiddenWeight(),
                    options.train().seed()));
        }
        if (soft && options.attentionWeight() > 0) {
            auxiliary.add(new AttentionLoss(teacherModel, teacherTrain, student, (float) options.attentionWeight()));
        }
        if (soft && validation != null && validation.size() > 0) {
            // the teacher's scores once, on the same validation rows and by the same rule as the student's epochs
            listener.reference("teacher", Trainer.validate(teacherModel, tokenize(teacher.tokenizer(), validation, numLabels),
                    options.train()));
        }
        Trainer trainer = new Trainer(student, studentTrain, studentValidation, options.train(), loss,
                AuxiliarySum.of(auxiliary))
                .listener(studentHook == null ? listener : TrainingListener.both(studentHook.apply(student), listener));
        if (checkpointDir != null) {
            trainer.checkpointDir(checkpointDir);
        }
        if (fakeQuantization != null) {
            trainer.weightProxy(new FakeQuantization(student, FakeQuantization.packedBy(student.config(), fakeQuantization),
                    FakeQuantization.roundTrip(fakeQuantization)));
        }
        TrainingResult result = resume ? trainer.resume() : trainer.fit();
        return new DistillResult(student, tokenizer, result, trim, logits, texts.size(), List.copyOf(variants),
                List.copyOf(benignVariants), adversarialTexts);
    }

    /** Each text's logits from the {@link #teacherLogitsFrom} cache, null where it has none; null without a cache. */
    private float[][] known(List<String> texts) throws IOException {
        if (corpus == null) {
            return null;
        }
        List<String> keys = texts.stream().map(LogitsCache::key).toList();
        Map<String, float[]> found = corpus.lookup(corpusDir, new HashSet<>(keys));
        float[][] known = new float[texts.size()][];
        int hits = 0;
        for (int i = 0; i < known.length; i++) {
            known[i] = found.get(keys.get(i));
            hits += known[i] == null ? 0 : 1;
        }
        corpusLog.printf("teacher logits: %d of %d training rows found in %s; the teacher computes the other %d%n", hits,
                known.length, corpusDir, known.length - hits);
        return known;
    }

    /**
     * The successful attacks on a seeded sample of the positive training rows, against the teacher; inputs are
     * truncated as the student will see them.
     */
    private List<AttackResult> attackTeacher(Dataset train, int positive) {
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            if (train.label(i) == positive) {
                rows.add(i);
            }
        }
        Collections.shuffle(rows, new Random(options.train().seed()));
        List<String> sample = rows.subList(0, Math.min(adversarial.urls(), rows.size())).stream().map(train::text).toList();
        Scorer scorer = Scorer.of(teacher.model(), teacher.tokenizer(), options.maxLength(), positive, train.transform());
        AttackOptions attack = adversarial.attack().withSeed(options.train().seed());
        List<AttackResult> successes = Robustness.attack(scorer, sample, attack).stream().filter(AttackResult::success).toList();
        return successes.subList(0, Math.min(successes.size(), adversarial.cap(train.size())));
    }

    /** The training texts of every class but {@code positive}: the URLs the benign variants are made from. */
    private static List<String> negativeTexts(Dataset train, int positive) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            if (train.label(i) != positive) {
                out.add(train.text(i));
            }
        }
        return out;
    }

    /** One row per attack: the teacher's logits on the clean training URL it started from, [attacks, labels]. */
    private static float[] sourceRows(TeacherLogits logits, List<AttackResult> attacks, List<String> trainTexts) {
        Map<String, Integer> rowOf = new HashMap<>();
        for (int i = trainTexts.size() - 1; i >= 0; i--) {
            rowOf.put(trainTexts.get(i), i);
        }
        return logits.rows(attacks.stream().mapToInt(a -> rowOf.get(a.original())).toArray());
    }

    /** {@code logits} followed by the rows of {@code extra} [rows, labels]. */
    private static TeacherLogits appended(TeacherLogits logits, float[] extra) {
        float[] all = Arrays.copyOf(logits.logits(), logits.logits().length + extra.length);
        System.arraycopy(extra, 0, all, logits.logits().length, extra.length);
        return new TeacherLogits(all, logits.size() + extra.length / logits.numLabels(), logits.numLabels(),
                logits.dataFingerprint());
    }

    private TokenizedExamples tokenize(Tokenizer tokenizer, Dataset data, int numLabels) {
        int[][] ids = new int[data.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokenizer.encode(data.text(i), options.maxLength()).ids();
        }
        return new TokenizedExamples(data.name(), ids, null, data.labels(), numLabels, tokenizer.padId());
    }
}
