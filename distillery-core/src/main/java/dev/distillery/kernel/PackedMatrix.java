package dev.distillery.kernel;

/**
 * A constant right-hand operand B[k×n] rearranged once into the panels every micro-kernel reads
 * ({@link Panels}), so products with a fixed weight skip the per-call packing (for a PyTorch
 * Linear weight W[out×in], {@code pack(W, 0, in, in, out, true)} gives B = Wᵀ).
 *
 * <p>Layout of {@code data}: panel t (columns 48·t .. 48·t + 48) starts at {@code t·k·48}, and
 * row p of it at {@code t·k·48 + p·48}; columns past n are zero. The layout does not depend on the
 * instruction set, so a matrix packed once serves every micro-kernel.
 *
 * <p>Life cycle: create with {@link Kernels#pack} (or {@link #of}), then pass to
 * {@link Kernels#matmulPacked} as often as needed; the object is immutable and safe to share
 * between threads. It copies B, so later changes to the source array are not seen.
 */
public final class PackedMatrix extends Panels {
    private final float[] data; // [panels][k][48]

    private PackedMatrix(int k, int n, float[] data) {
        super(k, n);
        this.data = data;
    }

    /**
     * Packs B[k×n] read from {@code b} at {@code bOff} with row stride {@code ldb}; when
     * {@code transposed} the array holds Bᵀ[n×k] instead (the PyTorch Linear weight layout).
     */
    public static PackedMatrix of(float[] b, int bOff, int ldb, int k, int n, boolean transposed) {
        if (k < 0 || n < 0) {
            throw new IllegalArgumentException("cannot pack a matrix of shape [" + k + "×" + n + "]");
        }
        long last = k == 0 || n == 0 ? bOff - 1L
                : bOff + (transposed ? (long) (n - 1) * ldb + k - 1 : (long) (k - 1) * ldb + n - 1);
        if (bOff < 0 || last >= b.length) {
            throw new IllegalArgumentException("matrix [" + k + "×" + n + "]" + (transposed ? "ᵀ" : "")
                    + " at offset " + bOff + " with row stride " + ldb + " does not fit in an array of "
                    + b.length + " floats");
        }
        int panels = panels(n);
        float[] data = new float[Math.multiplyExact(Math.multiplyExact(panels, k), PANEL)];
        packPanels(b, bOff, ldb, transposed, k, n, 0, panels, data);
        return new PackedMatrix(k, n, data);
    }

    /** Panels of 48 columns covering n. */
    static int panels(int n) {
        return (n + PANEL - 1) / PANEL;
    }

    /** Panels t0 .. t1 of B[k×n] (or of Bᵀ stored [n×k]) into {@code dst} at {@code t·k·48}. */
    static void packPanels(float[] b, int bOff, int ldb, boolean transposed, int k, int n, int t0, int t1,
                           float[] dst) {
        for (int t = t0; t < t1; t++) {
            int j0 = t * PANEL;
            int cols = Math.min(PANEL, n - j0);
            int base = t * k * PANEL;
            if (!transposed) {
                for (int p = 0; p < k; p++) {
                    int d = base + p * PANEL;
                    System.arraycopy(b, bOff + p * ldb + j0, dst, d, cols);
                    java.util.Arrays.fill(dst, d + cols, d + PANEL, 0f);
                }
            } else {
                // Bᵀ holds one row per column of B: write the panel row by row and read the cols
                // source rows side by side, in runs of 16 so they stay in cache across rows.
                for (int jj = 0; jj < PANEL; jj += STRIP) {
                    int src = bOff + (j0 + jj) * ldb;
                    int w = Math.max(0, Math.min(STRIP, cols - jj));
                    for (int p = 0; p < k; p++) {
                        int d = base + p * PANEL + jj;
                        for (int j = 0; j < w; j++) {
                            dst[d + j] = b[src + j * ldb + p];
                        }
                        for (int j = w; j < STRIP; j++) {
                            dst[d + j] = 0f;
                        }
                    }
                }
            }
        }
    }

    /** Wraps panels already laid out as described in the class comment (a per-call packing buffer). */
    static PackedMatrix over(float[] data, int k, int n) {
        return new PackedMatrix(k, n, data);
    }

    @Override
    float[] fp32Panels() {
        return data;
    }

    /** Copies strips out of the panels; the driver reads FP32 panels in place and never calls this. */
    @Override
    protected void decode(int s0, int count, int p0, int kq, float[] dst, int ldd, boolean vector) {
        for (int i = 0; i < count; i++) {
            int s = s0 + i;
            for (int p = 0; p < kq; p++) {
                int d = p * ldd + i * STRIP;
                if (s < strips()) {
                    System.arraycopy(data, (s * STRIP / PANEL * k() + p0 + p) * PANEL + s * STRIP % PANEL, dst, d, STRIP);
                } else {
                    java.util.Arrays.fill(dst, d, d + STRIP, 0f);
                }
            }
        }
    }

    /** B[p, j], read back through the strip layout. */
    public float get(int p, int j) {
        if (p < 0 || p >= k() || j < 0 || j >= n()) {
            throw new IndexOutOfBoundsException("(" + p + ", " + j + ") outside [" + k() + "×" + n() + "]");
        }
        return data[(j / PANEL * k() + p) * PANEL + j % PANEL];
    }

    /** Bytes of the packed floats, padding of the last panel included. */
    public long bytes() {
        return 4L * data.length;
    }
}
