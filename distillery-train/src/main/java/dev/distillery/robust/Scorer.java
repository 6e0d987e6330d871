package dev.distillery.robust;

import dev.distillery.classify.BatchInference;
import dev.distillery.classify.Classifier;
import dev.distillery.classify.Evaluation;
import dev.distillery.data.TextTransform;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.tokenize.Tokenizer;

import java.util.List;

/**
 * A binary model seen as a black box: the probability of the positive (phishing) class for texts
 * as the model sees them, that is with its {@link #transform()} already applied. The attack knows
 * nothing else about the model, so any classifier, quantized or not, can be attacked the same way.
 *
 * <p>Stateless between calls; every call counts as one query per text.
 * <pre>{@code
 * Scorer s = Scorer.of(Classifier.load(Path.of("models/teacher")));
 * s.positiveProbability(List.of("paypal.com.account-verify.example"));  // e.g. [0.97]
 * }</pre>
 */
public interface Scorer {
    /** P(positive) of each text, {@code [texts]}. */
    float[] positiveProbability(List<String> texts);

    /**
     * The rewrite the model applies to raw text; edited candidates are put through it so that an
     * adversarial text is exactly what the model sees (a trailing '/' or a leading {@code www.} an edit
     * creates would otherwise be stripped at prediction time).
     */
    default TextTransform transform() {
        return TextTransform.NONE;
    }

    /** A saved classifier with two labels; its positive class is the one {@link Evaluation#positiveClass} names. */
    static Scorer of(Classifier classifier) {
        int labels = classifier.labels().size();
        int positive = Evaluation.positiveClass(classifier.labels().names());
        if (positive < 0) {
            throw new IllegalArgumentException("an attack needs a binary classifier; " + classifier + " has labels "
                    + classifier.labels());
        }
        TextTransform transform = classifier.transform();
        return new Scorer() {
            @Override
            public float[] positiveProbability(List<String> texts) {
                return column(classifier.probabilitiesOfPrepared(texts), labels, positive, texts.size());
            }

            @Override
            public TextTransform transform() {
                return transform;
            }
        };
    }

    /**
     * A bare model and its tokenizer, as the distiller holds them: softmax over the model's logits,
     * texts truncated to {@code maxLength} tokens.
     */
    static Scorer of(SequenceClassifier model, Tokenizer tokenizer, int maxLength, int positive,
                     TextTransform transform) {
        int labels = model.config().numLabels();
        if (positive < 0 || positive >= labels) {
            throw new IllegalArgumentException("positive class " + positive + " is not one of the model's " + labels
                    + " labels");
        }
        return new Scorer() {
            @Override
            public float[] positiveProbability(List<String> texts) {
                int[][] ids = new int[texts.size()][];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = tokenizer.encode(texts.get(i), maxLength).ids();
                }
                TokenizedExamples examples = new TokenizedExamples("attack candidates", ids, null, new int[ids.length],
                        labels, tokenizer.padId());
                float[] logits = BatchInference.logits(model, examples, Classifier.DEFAULT_BATCH_SIZE); // [texts, labels]
                float[] out = new float[texts.size()];
                for (int r = 0; r < out.length; r++) {
                    out[r] = softmaxAt(logits, r * labels, labels, positive);
                }
                return out;
            }

            @Override
            public TextTransform transform() {
                return transform;
            }
        };
    }

    private static float[] column(float[] probs, int labels, int positive, int rows) {
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = probs[r * labels + positive];
        }
        return out;
    }

    /** softmax(x[off..off+n))[k], shifted by the row maximum so large logits do not overflow. */
    private static float softmaxAt(float[] x, int off, int n, int k) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += StrictMath.exp(x[off + i] - max);
        }
        return (float) (StrictMath.exp(x[off + k] - max) / sum);
    }
}
