package dev.distillery.prune;

import dev.distillery.model.EncoderConfig;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.nn.Parameter;

import java.util.List;
import java.util.SplittableRandom;

/** Tiny classifiers with every weight random (biases and LayerNorms too) and padded batches for the pruning tests. */
final class TinyPruning {
    static final int VOCAB = 30;

    private TinyPruning() {
    }

    /** 3 layers, hidden 8, 4 heads of size 2, FFN 12, no dropout, 3 labels. */
    static EncoderConfig config(String family) {
        return new EncoderConfig(family, VOCAB, 8, 3, 4, 12, 16, family.equals("bert") ? 2 : 0, 1e-12f, 0f, 0f, 0f,
                List.of("a", "b", "c"));
    }

    /**
     * A model whose biases and LayerNorm parameters are random as well: with HF's zero biases a
     * pruned head's bias rows could be copied wrongly without any test noticing.
     */
    static SequenceClassifier model(EncoderConfig c, long seed) {
        SequenceClassifier m = SequenceClassifier.create(c, seed);
        SplittableRandom rng = new SplittableRandom(seed + 1);
        for (Parameter p : m.parameters()) {
            float[] d = p.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) ((rng.nextDouble() * 2 - 1) * 0.5);
            }
        }
        return m;
    }

    /** Seeded rows of 3 to 9 tokens, [CLS] = 2 first, labels cycling over 3 classes. */
    static TokenizedExamples examples(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[][] ids = new int[n][];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = new int[3 + rng.nextInt(7)];
            ids[i][0] = 2;
            for (int t = 1; t < ids[i].length; t++) {
                ids[i][t] = 5 + rng.nextInt(VOCAB - 5);
            }
            labels[i] = i % 3;
        }
        return new TokenizedExamples("tiny", ids, null, labels, 3, 0);
    }

    static EncoderInput batch(TokenizedExamples e) {
        int[] rows = new int[e.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i;
        }
        return e.pad(rows);
    }
}
