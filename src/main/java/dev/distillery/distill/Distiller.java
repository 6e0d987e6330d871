package dev.distillery.distill;

import dev.distillery.data.Dataset;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.tensor.Tensor;
import dev.distillery.tokenize.WordPieceTokenizer;
import dev.distillery.train.AuxiliaryLoss;
import dev.distillery.train.TokenizedExamples;
import dev.distillery.train.Trainer;
import dev.distillery.train.TrainingListener;
import dev.distillery.train.TrainingResult;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

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
 * pieces of those texts; (4) the student is built ({@link StudentFactory}); (5) the {@link Trainer}
 * runs with {@link SoftTargetLoss} and, when weighted, {@link HiddenStateLoss} and {@link AttentionLoss}. The hard-label
 * ablation takes the same path with α = 0 and without augmentation or the teacher's outputs.
 */
public final class Distiller {
    /** A fine-tuned teacher and the tokenizer its ids come from. */
    public record Teacher(SequenceClassifier model, WordPieceTokenizer tokenizer) {
    }

    /**
     * @param student          the trained student
     * @param tokenizer        the student's tokenizer (trimmed when asked)
     * @param trim             the vocabulary trim, or null when the vocabulary was kept whole
     * @param teacherLogits    teacher logits over the training rows (originals then variants), null for the ablation
     * @param trainExamples    training rows the student saw: the dataset's, then the variants
     * @param augmentedTexts   the teacher-labelled variants added
     */
    public record DistillResult(SequenceClassifier student, WordPieceTokenizer tokenizer, TrainingResult training,
                                VocabularyTrim trim, TeacherLogits teacherLogits, int trainExamples,
                                List<String> augmentedTexts) {
    }

    private final Teacher teacher;
    private final DistillOptions options;
    private Path cacheFile;
    private Path checkpointDir;
    private TrainingListener listener = TrainingListener.NONE;
    private boolean resume;
    private UnaryOperator<Tensor> fakeQuantization; // null: plain FP32 training

    public Distiller(Teacher teacher, DistillOptions options) {
        this.teacher = teacher;
        this.options = options;
    }

    /** Reads teacher logits from {@code file} when it was made for the same inputs, else computes and writes them. */
    public Distiller teacherLogitsCache(Path file) {
        this.cacheFile = file;
        return this;
    }

    public Distiller checkpointDir(Path dir) {
        this.checkpointDir = dir;
        return this;
    }

    public Distiller listener(TrainingListener l) {
        this.listener = l;
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
     * Train the student through fake quantization ({@link FakeQuantization} of
     * {@link FakeQuantization#LINEAR_WEIGHTS}) with {@code roundTrip} = dequantize ∘ quantize of a
     * scheme; null trains in plain FP32. Validation then scores the fake-quantized student too.
     */
    public Distiller fakeQuantization(UnaryOperator<Tensor> roundTrip) {
        this.fakeQuantization = roundTrip;
        return this;
    }

    /**
     * @param validation scored after each epoch to keep the best student; may be null or empty
     * @throws IOException when the teacher-logits cache cannot be read or written
     */
    public DistillResult distill(StudentSpec spec, Dataset train, Dataset validation) throws IOException {
        SequenceClassifier teacherModel = teacher.model();
        int numLabels = teacherModel.config().numLabels();
        if (train.labelMap().size() != numLabels) {
            throw new IllegalArgumentException(train.name() + " has " + train.labelMap().size() + " labels "
                    + train.labelMap() + " but the teacher " + numLabels + " " + teacherModel.config().labels());
        }
        boolean soft = !options.hardLabelsOnly();
        List<String> variants = soft && options.augmentPerExample() > 0
                ? new UrlAugmenter(options.train().seed()).augment(train.texts(), options.augmentPerExample())
                : List.of();
        List<String> texts = new ArrayList<>(train.texts());
        texts.addAll(variants);

        int[][] teacherIds = new int[texts.size()][];
        for (int i = 0; i < teacherIds.length; i++) {
            teacherIds[i] = teacher.tokenizer().encode(texts.get(i), options.maxLength()).ids();
        }
        int teacherPad = teacher.tokenizer().padId();
        TeacherLogits logits = null;
        int[] labels = new int[texts.size()];
        int[] given = train.labels();
        System.arraycopy(given, 0, labels, 0, given.length);
        if (soft) {
            // labels play no part in the teacher's logits, so the cache is keyed on the inputs alone
            TokenizedExamples inputs = new TokenizedExamples("teacher inputs of " + train.name(), teacherIds, null,
                    new int[texts.size()], numLabels, teacherPad);
            logits = cacheFile != null
                    ? TeacherLogits.cached(cacheFile, teacherModel, inputs, options.teacherBatchSize())
                    : TeacherLogits.compute(teacherModel, inputs, options.teacherBatchSize());
            int[] predicted = logits.argmax();
            System.arraycopy(predicted, given.length, labels, given.length, variants.size());
        }
        TokenizedExamples teacherTrain = new TokenizedExamples(train.name(), teacherIds, null, labels, numLabels,
                teacherPad);

        VocabularyTrim trim = options.trimVocabulary() ? VocabularyTrim.fromTexts(teacher.tokenizer(), texts) : null;
        WordPieceTokenizer tokenizer = trim == null ? teacher.tokenizer() : trim.tokenizer();
        TokenizedExamples studentTrain = trim == null ? teacherTrain : trim.remap(teacherTrain);
        TokenizedExamples studentValidation = validation == null || validation.size() == 0 ? null
                : tokenize(tokenizer, validation, numLabels);

        SequenceClassifier student = StudentFactory.create(teacherModel, spec, options.init(),
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
                .listener(listener);
        if (checkpointDir != null) {
            trainer.checkpointDir(checkpointDir);
        }
        if (fakeQuantization != null) {
            trainer.weightProxy(new FakeQuantization(student, FakeQuantization.LINEAR_WEIGHTS, fakeQuantization));
        }
        TrainingResult result = resume ? trainer.resume() : trainer.fit();
        return new DistillResult(student, tokenizer, result, trim, logits, texts.size(), List.copyOf(variants));
    }

    private TokenizedExamples tokenize(WordPieceTokenizer tokenizer, Dataset data, int numLabels) {
        int[][] ids = new int[data.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokenizer.encode(data.text(i), options.maxLength()).ids();
        }
        return new TokenizedExamples(data.name(), ids, null, data.labels(), numLabels, tokenizer.padId());
    }
}
