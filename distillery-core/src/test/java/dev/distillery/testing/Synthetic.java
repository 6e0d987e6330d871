package dev.distillery.testing;

import dev.distillery.model.EncoderConfig;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A tiny BERT and a learnable synthetic task for the training and batch inference tests. */
public final class Synthetic {
    public static final int VOCAB = 30;
    public static final int CLS = 2;
    public static final int SEP = 3;
    /** The label is 1 exactly when this token occurs. */
    public static final int SIGNAL = 7;

    private Synthetic() {
    }

    public static EncoderConfig config(float dropout) {
        return new EncoderConfig("bert", VOCAB, 16, 2, 2, 32, 16, 2, 1e-12f, dropout, dropout, dropout,
                List.of("benign", "phishing"));
    }

    public static SequenceClassifier model(float dropout, long seed) {
        return SequenceClassifier.create(config(dropout), seed);
    }

    /**
     * {@code n} sequences [CLS] t… [SEP] of 3 to 12 tokens drawn from ids 5…29; about half contain
     * {@link #SIGNAL} and are labelled 1, the others never contain it and are labelled 0.
     */
    public static TokenizedExamples examples(String name, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<int[]> ids = new ArrayList<>();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int body = 1 + rng.nextInt(10);
            int[] row = new int[body + 2];
            row[0] = CLS;
            row[body + 1] = SEP;
            labels[i] = rng.nextInt(2);
            for (int t = 1; t <= body; t++) {
                int id;
                do {
                    id = 5 + rng.nextInt(VOCAB - 5);
                } while (id == SIGNAL);
                row[t] = id;
            }
            if (labels[i] == 1) {
                row[1 + rng.nextInt(body)] = SIGNAL;
            }
            ids.add(row);
        }
        return TokenizedExamples.of(name, ids, labels, 2);
    }
}
