package dev.distillery.pipeline;

import dev.distillery.data.ReadOptions;
import dev.distillery.distill.DistillOptions;
import dev.distillery.robust.AdversarialAugmentation;

import java.nio.file.Path;

/**
 * What {@link Distillation#run} does.
 *
 * @param teacher       a classifier folder saved by train-teacher
 * @param dataDir       folder holding {@code train}, {@code validation} and {@code test} files, or null
 * @param train         training file when {@code dataDir} is null; null for both means the bundled phishing URLs
 * @param validation    validation file (may be null: then the last epoch is kept)
 * @param test          test file on which teacher and student are compared, or null
 * @param layers        student layers; 0 for half the teacher's (at least one)
 * @param hiddenSize    student width; 0 for the teacher's
 * @param heads         student attention heads; 0 for the teacher's
 * @param ffnSize       student feed-forward width; 0 for the teacher's
 * @param maxLength     tokens per text including [CLS] and [SEP]; 0 for the teacher's
 * @param maxTrainRows  distil on a seeded random subset of at most this many rows; 0 for all
 * @param distill       loss, augmentation, trimming, initialisation and training options; its max length is
 *                      replaced by {@code maxLength}
 * @param out           student folder to write; the teacher-logits cache and checkpoints go to {@code out/.checkpoints}
 * @param command       the command line, for the manifest
 * @param textColumn    text column, or null for {@code url}, else {@code text}
 * @param labelColumn   label column; its values must be the teacher's label names
 * @param resume        continue the run whose checkpoint is in {@code out/.checkpoints}
 * @param qat           a quantization scheme ({@link QatSchemes}) to train the student for by fake quantization, or null
 * @param adversarial   adversarial URLs found against the teacher added to training, or null for none
 * @param teacherLogits file that keeps the teacher's logits over the training rows across runs (read when it holds
 *                      them for these rows, else computed and written), or null for {@code out/.checkpoints}, where
 *                      they last until the student is saved
 * @param logitsCache   a content-keyed teacher-logits cache folder ({@link dev.distillery.classify.LogitsCache}, written by
 *                      the distillery-spark labelling job; {@code distill --teacher-logits}) to take training rows'
 *                      teacher logits from, or null to compute them all
 */
public record DistillationOptions(Path teacher, Path dataDir, Path train, Path validation, Path test, int layers,
                                  int hiddenSize, int heads, int ffnSize, int maxLength, int maxTrainRows, DistillOptions distill,
                                  Path out, String command, String textColumn, String labelColumn, boolean resume,
                                  String qat, AdversarialAugmentation adversarial, Path teacherLogits,
                                  Path logitsCache) {
    /** The options before columns, resume, QAT and adversarial augmentation existed: a fresh FP32 run. */
    public DistillationOptions(Path teacher, Path dataDir, Path train, Path validation, Path test, int layers,
                               int hiddenSize, int heads, int ffnSize, int maxLength, int maxTrainRows, DistillOptions distill,
                               Path out, String command) {
        this(teacher, dataDir, train, validation, test, layers, hiddenSize, heads, ffnSize, maxLength, maxTrainRows, distill,
                out, command, null, ReadOptions.DEFAULT_LABEL_COLUMN, false, null, null, null, null);
    }

    /** The options before teacher-logits caches could be given: every teacher logit is computed. */
    public DistillationOptions(Path teacher, Path dataDir, Path train, Path validation, Path test, int layers,
                               int hiddenSize, int heads, int ffnSize, int maxLength, int maxTrainRows, DistillOptions distill,
                               Path out, String command, String textColumn, String labelColumn, boolean resume,
                               String qat, AdversarialAugmentation adversarial) {
        this(teacher, dataDir, train, validation, test, layers, hiddenSize, heads, ffnSize, maxLength, maxTrainRows, distill,
                out, command, textColumn, labelColumn, resume, qat, adversarial, null, null);
    }

    public DistillationOptions {
        if (layers < 0 || hiddenSize < 0 || heads < 0 || ffnSize < 0) {
            throw new IllegalArgumentException("student layers " + layers + ", hidden size " + hiddenSize + ", heads "
                    + heads + " and FFN size " + ffnSize + " must be positive, or 0 for the teacher's");
        }
        if (maxLength != 0 && maxLength < 3) {
            throw new IllegalArgumentException("max length " + maxLength + " leaves no room for text between [CLS] and [SEP]");
        }
        if (maxTrainRows < 0) {
            throw new IllegalArgumentException("max train rows must be 0 (all) or positive, got " + maxTrainRows);
        }
        if (dataDir != null && (train != null || validation != null || test != null)) {
            throw new IllegalArgumentException("give either a data folder or train/validation/test files, not both");
        }
        if (train == null && (validation != null || test != null)) {
            throw new IllegalArgumentException("validation and test files need a train file");
        }
        if (teacherLogits != null && distill.hardLabelsOnly()) {
            throw new IllegalArgumentException("a teacher-logits cache has no use when training on hard labels only");
        }
        if (labelColumn == null) {
            throw new IllegalArgumentException("a label column is needed; the default is " + ReadOptions.DEFAULT_LABEL_COLUMN);
        }
    }
}
