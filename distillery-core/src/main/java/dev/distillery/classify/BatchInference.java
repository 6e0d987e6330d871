package dev.distillery.classify;

import dev.distillery.model.EncoderInput;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.report.Progress;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Comparator;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Evaluation-mode logits for a whole example set, returned in the examples' own order. Each batch
 * holds examples of one token length, so nothing is padded and an example's logits are the same
 * bits whichever other examples it is passed with (on the same kernels): a URL scored alone, in a
 * file, by a Spark partition or in distillation's teacher pass gets one answer. Teacher logits for
 * distillation come from here too.
 */
public final class BatchInference {
    /** Passes of at least this many rows draw a progress bar: a teacher's pass over 50K URLs takes 20 minutes on one core. */
    static final int PROGRESS_ROWS = 2_000;

    private static volatile PrintStream progressOut; // null: no bar (libraries, tests)

    private BatchInference() {
    }

    /**
     * Makes every later pass of at least {@value #PROGRESS_ROWS} rows draw a progress bar (rows/s,
     * ETA) on {@code out}; null turns it off. The command line sets standard error; a library
     * caller's output stays its own unless it asks.
     */
    public static void showProgressOn(PrintStream out) {
        progressOut = out;
    }

    /**
     * Logits {@code [examples, labels]}, row i belonging to example i, of the weights {@code model}
     * holds now: computed on a frozen, pre-packed snapshot taken once for the whole set (a frozen
     * model is its own snapshot).
     */
    public static float[] logits(SequenceClassifier model, TokenizedExamples examples, int batchSize) {
        SequenceClassifier frozen = model.freeze();
        return logits(frozen::logits, model.config().numLabels(), examples, batchSize);
    }

    private static float[] logits(Function<EncoderInput, float[]> forward, int labels, TokenizedExamples examples,
                                  int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        int[] lengths = examples.lengths();
        int[] order = IntStream.range(0, examples.size()).boxed()
                .sorted(Comparator.comparingInt(i -> lengths[i])).mapToInt(Integer::intValue).toArray();
        float[] out = new float[examples.size() * labels];
        PrintStream sink = progressOut;
        try (Progress bar = sink != null && examples.size() >= PROGRESS_ROWS
                ? Progress.on(sink, "inference: " + examples.name(), examples.size(), "rows") : null) {
            for (int from = 0, to; from < order.length; from = to) {
                // a batch holds texts of one token length: nothing is padded, so a text's logits do not depend on
                // the batch it came in (padding changes the summation order of attention, hence the low bits)
                to = from + 1;
                while (to < order.length && to - from < batchSize && lengths[order[to]] == lengths[order[from]]) {
                    to++;
                }
                int[] rows = Arrays.copyOfRange(order, from, to);
                float[] batch = forward.apply(examples.pad(rows)); // [rows, labels]
                for (int b = 0; b < rows.length; b++) {
                    System.arraycopy(batch, b * labels, out, rows[b] * labels, labels);
                }
                if (bar != null) {
                    bar.advance(rows.length);
                }
            }
        }
        return out;
    }

    /** Index of the largest logit of each row (the first on ties), {@code [rows]}. */
    public static int[] argmax(float[] logits, int labels) {
        int rows = logits.length / labels;
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int j = 1; j < labels; j++) {
                if (logits[r * labels + j] > logits[r * labels + best]) {
                    best = j;
                }
            }
            out[r] = best;
        }
        return out;
    }
}
