package dev.distillery.nn;

/**
 * Rotary position embeddings (Su et al., "RoFormer: Enhanced Transformer with Rotary Position
 * Embedding", 2021) in Hugging Face's rotate-half layout, as {@code apply_rotary_pos_emb} of
 * transformers' Llama: each head's vector of size d is split in halves (x₁, x₂) and rotated by
 * position p with angles θᵢ = p · inv_freq[i]:
 * <pre>
 *   y[i]       = x₁[i] · cos θᵢ − x₂[i] · sin θᵢ
 *   y[i + d/2] = x₂[i] · cos θᵢ + x₁[i] · sin θᵢ        inv_freq[i] = 1 / theta^(2i/d)
 * </pre>
 * optionally with Llama 3's frequency scaling (transformers' {@code _compute_llama3_parameters}).
 * Angles, cosines and sines are computed in double once per position and stored as floats.
 * Immutable and thread-safe.
 */
public final class Rope {
    /**
     * Llama 3's {@code rope_scaling} of type "llama3": frequencies whose wavelength exceeds the
     * original context / lowFreqFactor are divided by {@code factor}, those below
     * context / highFreqFactor kept, and the band between blended smoothly.
     */
    public record Llama3Scaling(double factor, double lowFreqFactor, double highFreqFactor,
                                int originalMaxPositions) {
    }

    private final int headSize;
    private final int half;
    private final int positions;
    private final float[] cos; // [positions, half]
    private final float[] sin; // [positions, half]

    /** @param scaling Llama 3 scaling, or null for plain rotary frequencies */
    public Rope(int headSize, double theta, Llama3Scaling scaling, int positions) {
        if (headSize % 2 != 0) {
            throw new IllegalArgumentException("rotary embeddings need an even head size, got " + headSize);
        }
        this.headSize = headSize;
        this.half = headSize / 2;
        this.positions = positions;
        double[] inv = inverseFrequencies(headSize, theta, scaling);
        cos = new float[positions * half];
        sin = new float[positions * half];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * inv[i];
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
    }

    /** inv_freq[i] = 1 / theta^(2i/d), then Llama 3's scaling when given; [d/2]. */
    public static double[] inverseFrequencies(int headSize, double theta, Llama3Scaling scaling) {
        double[] inv = new double[headSize / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(theta, (2.0 * i) / headSize);
        }
        if (scaling == null) {
            return inv;
        }
        double lowWavelen = scaling.originalMaxPositions() / scaling.lowFreqFactor();
        double highWavelen = scaling.originalMaxPositions() / scaling.highFreqFactor();
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            double scaled = wavelen > lowWavelen ? inv[i] / scaling.factor() : inv[i];
            boolean medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
            if (medium) {
                double smooth = (scaling.originalMaxPositions() / wavelen - scaling.lowFreqFactor())
                        / (scaling.highFreqFactor() - scaling.lowFreqFactor());
                scaled = (1 - smooth) * scaled / scaling.factor() + smooth * scaled;
            }
            inv[i] = scaled;
        }
        return inv;
    }

    public int positions() {
        return positions;
    }

    /**
     * Rotates {@code heads} heads of every row of {@code batch} sequences of {@code seq} rows, in
     * place: row r of sequence b starts at {@code off + (b·seq + r)·ld} and sits at position
     * {@code firstPosition + r}. With {@code inverse} the rotation is undone (the transpose), which
     * is the backward pass of the forward rotation.
     */
    public void rotate(float[] x, int off, int ld, int batch, int seq, int firstPosition, int heads, boolean inverse) {
        if (firstPosition + seq > positions) {
            throw new IllegalArgumentException("position " + (firstPosition + seq - 1) + " is beyond the model's "
                    + positions + " rotary positions");
        }
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < seq; r++) {
                int t = (firstPosition + r) * half;
                int row = off + (b * seq + r) * ld;
                for (int h = 0; h < heads; h++) {
                    int base = row + h * headSize;
                    for (int i = 0; i < half; i++) {
                        float c = cos[t + i];
                        float s = inverse ? -sin[t + i] : sin[t + i];
                        float x1 = x[base + i];
                        float x2 = x[base + half + i];
                        x[base + i] = x1 * c - x2 * s;
                        x[base + half + i] = x2 * c + x1 * s;
                    }
                }
            }
        }
    }
}
