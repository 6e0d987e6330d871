package dev.distillery.model;

/**
 * Sentence embedding as sentence-transformers computes it:
 * {@code (h · mask).sum(1) / clamp(mask.sum(1), min=1e-9)}.
 */
public final class MeanPooling {
    private MeanPooling() {
    }

    /** hidden [batch·seq, dim] → [batch, dim]. */
    public static float[] forward(float[] hidden, EncoderInput input, int dim) {
        int seq = input.seqLen();
        float[] out = new float[input.batch() * dim];
        for (int b = 0; b < input.batch(); b++) {
            int count = 0;
            for (int t = 0; t < seq; t++) {
                if (input.attentionMask()[b * seq + t] != 0) {
                    count++;
                    int src = (b * seq + t) * dim;
                    for (int j = 0; j < dim; j++) {
                        out[b * dim + j] += hidden[src + j];
                    }
                }
            }
            float denom = Math.max(count, 1e-9f);
            for (int j = 0; j < dim; j++) {
                out[b * dim + j] /= denom;
            }
        }
        return out;
    }

    /** dHidden [batch·seq, dim] from dPooled [batch, dim]: each real token gets dPooled / count. */
    public static float[] backward(float[] dPooled, EncoderInput input, int dim) {
        int seq = input.seqLen();
        float[] dHidden = new float[input.batch() * seq * dim];
        for (int b = 0; b < input.batch(); b++) {
            float denom = Math.max(input.length(b), 1e-9f);
            for (int t = 0; t < seq; t++) {
                if (input.attentionMask()[b * seq + t] != 0) {
                    int dst = (b * seq + t) * dim;
                    for (int j = 0; j < dim; j++) {
                        dHidden[dst + j] = dPooled[b * dim + j] / denom;
                    }
                }
            }
        }
        return dHidden;
    }
}
