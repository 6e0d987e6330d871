package dev.distillery.distill;

import dev.distillery.train.TrainOptions;

/**
 * How to distil. {@link #defaults()} follows Hinton et al. and the seeds: forward KL, T = 2, α = 0.5,
 * no hidden-state loss, no augmentation, student initialised from the teacher, vocabulary trimmed.
 *
 * @param divergence        forward (Hinton) or reverse (MiniLLM) KL on the softened distributions
 * @param temperature       T, softening both distributions
 * @param alpha             weight of the soft-target term; 1 − α goes to cross-entropy on hard labels
 * @param hiddenWeight      weight of the hidden-state MSE ({@link HiddenStateLoss}); 0 turns it off
 * @param attentionWeight   weight of the last-layer attention KL ({@link AttentionLoss}, equal head counts); 0 turns it off
 * @param augmentPerExample teacher-labelled URL variants per training text ({@link UrlAugmenter}); 0 for none
 * @param hardLabelsOnly    the ablation: the same student, data and training, but cross-entropy on the
 *                          dataset's labels only (α, hidden loss and augmentation are ignored, the teacher
 *                          is never run; with {@link StudentInit#FROM_TEACHER} its weights still seed the student)
 * @param trimVocabulary    keep only the word pieces of the training texts ({@link VocabularyTrim})
 * @param vocabMinCount     when trimming, keep only the pieces those texts use at least this often (1 keeps them all);
 *                          the student then trains on the trimmed tokenizer's own encodings
 * @param maxLength         tokens per text, special tokens included; at most the student's max positions
 * @param teacherBatchSize  batch size when computing teacher logits
 * @param init              how the student starts
 * @param train             the training loop's options (epochs, learning rate, seed, …)
 */
public record DistillOptions(Divergence divergence, double temperature, double alpha, double hiddenWeight,
                             double attentionWeight, int augmentPerExample, boolean hardLabelsOnly, boolean trimVocabulary,
                             int vocabMinCount, int maxLength, int teacherBatchSize, StudentInit init, TrainOptions train) {
    public DistillOptions {
        if (!(temperature > 0) || !(alpha >= 0 && alpha <= 1) || !(hiddenWeight >= 0)
                || !(attentionWeight >= 0)) {
            throw new IllegalArgumentException("temperature " + temperature + " must be positive, alpha " + alpha
                    + " in [0, 1], hidden-state weight " + hiddenWeight + " and attention weight " + attentionWeight
                    + " non-negative");
        }
        if (augmentPerExample < 0 || vocabMinCount < 1 || maxLength < 3 || teacherBatchSize < 1) {
            throw new IllegalArgumentException("augmentation per example " + augmentPerExample
                    + " must be non-negative, minimum piece count " + vocabMinCount + " at least 1, max length "
                    + maxLength + " at least 3, teacher batch size " + teacherBatchSize + " at least 1");
        }
    }

    public static DistillOptions defaults() {
        return new DistillOptions(Divergence.FORWARD_KL, SoftTargetLoss.DEFAULT_TEMPERATURE, SoftTargetLoss.DEFAULT_ALPHA,
                0, 0, 0, false, true, 1, 128, 64, StudentInit.FROM_TEACHER, TrainOptions.defaults());
    }

    public DistillOptions withDivergence(Divergence d) {
        return new DistillOptions(d, temperature, alpha, hiddenWeight, attentionWeight, augmentPerExample, hardLabelsOnly,
                trimVocabulary, vocabMinCount, maxLength, teacherBatchSize, init, train);
    }

    public DistillOptions withTemperature(double t) {
        return new DistillOptions(divergence, t, alpha, hiddenWeight, attentionWeight, augmentPerExample, hardLabelsOnly,
                trimVocabulary, vocabMinCount, maxLength, teacherBatchSize, init, train);
    }

    public DistillOptions withAlpha(double a) {
        return new DistillOptions(divergence, temperature, a, hiddenWeight, attentionWeight, augmentPerExample, hardLabelsOnly,
                trimVocabulary, vocabMinCount, maxLength, teacherBatchSize, init, train);
    }

    public DistillOptions withHiddenWeight(double w) {
        return new DistillOptions(divergence, temperature, alpha, w, attentionWeight, augmentPerExample, hardLabelsOnly,
                trimVocabulary, vocabMinCount, maxLength, teacherBatchSize, init, train);
    }

    public DistillOptions withAttentionWeight(double w) {
        return new DistillOptions(divergence, temperature, alpha, hiddenWeight, w, augmentPerExample, hardLabelsOnly,
                trimVocabulary, vocabMinCount, maxLength, teacherBatchSize, init, train);
    }

    public DistillOptions withAugmentPerExample(int n) {
        return new DistillOptions(divergence, temperature, alpha, hiddenWeight, attentionWeight, n, hardLabelsOnly,
                trimVocabulary, vocabMinCount, maxLength, teacherBatchSize, init, train);
    }

    public DistillOptions withHardLabelsOnly(boolean b) {
        return new DistillOptions(divergence, temperature, alpha, hiddenWeight, attentionWeight, augmentPerExample, b,
                trimVocabulary, vocabMinCount, maxLength, teacherBatchSize, init, train);
    }

    public DistillOptions withTrimVocabulary(boolean b) {
        return new DistillOptions(divergence, temperature, alpha, hiddenWeight, attentionWeight, augmentPerExample, hardLabelsOnly,
                b, vocabMinCount, maxLength, teacherBatchSize, init, train);
    }

    public DistillOptions withVocabMinCount(int n) {
        return new DistillOptions(divergence, temperature, alpha, hiddenWeight, attentionWeight, augmentPerExample, hardLabelsOnly,
                trimVocabulary, n, maxLength, teacherBatchSize, init, train);
    }

    public DistillOptions withMaxLength(int n) {
        return new DistillOptions(divergence, temperature, alpha, hiddenWeight, attentionWeight, augmentPerExample, hardLabelsOnly,
                trimVocabulary, vocabMinCount, n, teacherBatchSize, init, train);
    }

    public DistillOptions withInit(StudentInit i) {
        return new DistillOptions(divergence, temperature, alpha, hiddenWeight, attentionWeight, augmentPerExample, hardLabelsOnly,
                trimVocabulary, vocabMinCount, maxLength, teacherBatchSize, i, train);
    }

    public DistillOptions withTrain(TrainOptions t) {
        return new DistillOptions(divergence, temperature, alpha, hiddenWeight, attentionWeight, augmentPerExample, hardLabelsOnly,
                trimVocabulary, vocabMinCount, maxLength, teacherBatchSize, init, t);
    }
}
