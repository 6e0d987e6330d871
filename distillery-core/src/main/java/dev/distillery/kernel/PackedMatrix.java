package dev.distillery.kernel;

/**
 * A constant right-hand operand B[k×n] rearranged once into the panel order the GEMM
 * micro-kernel streams, so products with a fixed weight skip the per-call packing (for a
 * PyTorch Linear weight W[out×in], {@code pack(W, 0, in, in, out, true)} gives B = Wᵀ).
 *
 * <p>Layout of {@code data}: rows of B are cut into depth blocks of at most {@link #depthBlock()}
 * rows; block {@code q} (first row {@code p0 = q·depthBlock}, depth {@code kq}) starts at
 * {@code p0 · paddedColumns} and holds {@code paddedColumns / panelWidth} panels of
 * {@code kq × panelWidth} floats, each row-major. Columns past n are zero, so the micro-kernel
 * never needs a column tail.
 *
 * <p>Life cycle: create with {@link Kernels#pack}, then pass to {@link Kernels#matmulPacked} as
 * often as needed; the object is immutable and safe to share between threads. It copies B, so
 * later changes to the source array are not seen.
 */
public final class PackedMatrix {
    private final int k;
    private final int n;
    private final int panelWidth;
    private final int depthBlock;
    private final int paddedColumns;
    private final float[] data; // [k · paddedColumns], panel order described above

    private PackedMatrix(int k, int n, int panelWidth, int depthBlock, float[] data) {
        this.k = k;
        this.n = n;
        this.panelWidth = panelWidth;
        this.depthBlock = depthBlock;
        this.paddedColumns = paddedColumns(n, panelWidth);
        this.data = data;
    }

    /**
     * Packs B[k×n] read from {@code b} at {@code bOff} with row stride {@code ldb}; when
     * {@code transposed} the array holds Bᵀ[n×k] instead (the PyTorch Linear weight layout).
     */
    public static PackedMatrix of(float[] b, int bOff, int ldb, int k, int n, boolean transposed,
                                  int panelWidth, int depthBlock) {
        if (k < 0 || n < 0) {
            throw new IllegalArgumentException("cannot pack a matrix of shape [" + k + "×" + n + "]");
        }
        if (panelWidth <= 0 || depthBlock <= 0) {
            throw new IllegalArgumentException("panel width " + panelWidth + " and depth block "
                    + depthBlock + " must be positive");
        }
        long last = k == 0 || n == 0 ? bOff - 1L
                : bOff + (transposed ? (long) (n - 1) * ldb + k - 1 : (long) (k - 1) * ldb + n - 1);
        if (bOff < 0 || last >= b.length) {
            throw new IllegalArgumentException("matrix [" + k + "×" + n + "]" + (transposed ? "ᵀ" : "")
                    + " at offset " + bOff + " with row stride " + ldb + " does not fit in an array of "
                    + b.length + " floats");
        }
        float[] data = new float[Math.multiplyExact(k, paddedColumns(n, panelWidth))];
        packPanels(b, bOff, ldb, transposed, k, n, panelWidth, depthBlock, data);
        return new PackedMatrix(k, n, panelWidth, depthBlock, data);
    }

    static int paddedColumns(int n, int panelWidth) {
        return (n + panelWidth - 1) / panelWidth * panelWidth;
    }

    /** Writes B[k×n] in panel order into {@code dst[0 .. k·paddedColumns)}. */
    static void packPanels(float[] b, int bOff, int ldb, boolean transposed, int k, int n,
                           int panelWidth, int depthBlock, float[] dst) {
        int padded = paddedColumns(n, panelWidth);
        for (int p0 = 0; p0 < k; p0 += depthBlock) {
            int kq = Math.min(depthBlock, k - p0);
            for (int j0 = 0; j0 < padded; j0 += panelWidth) {
                packPanel(b, bOff, ldb, transposed, n, p0, kq, j0, panelWidth, dst, p0 * padded + j0 * kq);
            }
        }
    }

    /** One panel: rows p0..p0+kq, columns j0..j0+panelWidth of B, zero past column n. */
    static void packPanel(float[] b, int bOff, int ldb, boolean transposed, int n, int p0, int kq,
                          int j0, int panelWidth, float[] dst, int dstOff) {
        int cols = Math.min(panelWidth, n - j0);
        if (!transposed) {
            for (int p = 0; p < kq; p++) {
                int d = dstOff + p * panelWidth;
                System.arraycopy(b, bOff + (p0 + p) * ldb + j0, dst, d, cols);
                java.util.Arrays.fill(dst, d + cols, d + panelWidth, 0f);
            }
        } else {
            // Bᵀ is stored row per column of B. Write each panel row in order and read the cols
            // source rows side by side: they span kq·cols floats, which stay in L1 for the panel.
            int src = bOff + j0 * ldb + p0;
            for (int p = 0; p < kq; p++) {
                int d = dstOff + p * panelWidth;
                for (int j = 0; j < cols; j++) {
                    dst[d + j] = b[src + j * ldb + p];
                }
                for (int j = cols; j < panelWidth; j++) {
                    dst[d + j] = 0f;
                }
            }
        }
    }

    /** Rows of B (the depth of the product). */
    public int k() {
        return k;
    }

    /** Columns of B (the width of the product). */
    public int n() {
        return n;
    }

    /** Columns per panel, chosen by the kernel implementation that packed it. */
    public int panelWidth() {
        return panelWidth;
    }

    /** Rows per depth block, chosen by the kernel implementation that packed it. */
    public int depthBlock() {
        return depthBlock;
    }

    int paddedColumns() {
        return paddedColumns;
    }

    float[] data() {
        return data;
    }

    /** B[p, j], read back through the panel layout. */
    public float get(int p, int j) {
        if (p < 0 || p >= k || j < 0 || j >= n) {
            throw new IndexOutOfBoundsException("(" + p + ", " + j + ") outside [" + k + "×" + n + "]");
        }
        int p0 = p / depthBlock * depthBlock;
        int kq = Math.min(depthBlock, k - p0);
        int j0 = j / panelWidth * panelWidth;
        return data[p0 * paddedColumns + j0 * kq + (p - p0) * panelWidth + (j - j0)];
    }
}
