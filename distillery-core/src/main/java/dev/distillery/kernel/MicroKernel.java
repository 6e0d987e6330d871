package dev.distillery.kernel;

/**
 * The innermost loop of the blocked GEMM ({@link Gemm}): an MR × NR tile of C held in registers
 * while it sums a stretch of the depth. One subclass per instruction set; the driver around it
 * (packing, blocking, threads, epilogue) is shared.
 *
 * <p>Operands, as the driver lays them out:
 * <ul>
 *   <li>A: {@code rows} rows read in place, row-major: element (r, p) at {@code aIdx + r·lda + p};</li>
 *   <li>B: NR columns of a 48-wide panel, row-major: element (p, j) at {@code bIdx + p·48 + j}
 *       (a constant stride, so C2 removes the bounds checks from the loop);</li>
 *   <li>C: {@code rows} rows of NR floats, {@code ldc} apart.</li>
 * </ul>
 *
 * <p>Numerics, the contract every subclass keeps: each element of C gets one sum, started from
 * zero and accumulated by fused multiply-add in increasing p, then added to C (or stored). So every micro-kernel
 * gives the same bits as the {@link ScalarMicroKernel scalar twin} whatever its tile shape, which
 * is what the parity tests check. Without {@code add} the sum is stored as it is, so the driver
 * never clears C before the first slice.
 */
abstract class MicroKernel {
    final Isa isa;
    /** Rows of the full tile. */
    final int mr;
    /** Columns of the tile: a multiple of {@link Panels#STRIP} that divides {@link Panels#PANEL}. */
    final int nr;

    MicroKernel(Isa isa, int mr, int nr) {
        assert nr % Panels.STRIP == 0 && Panels.PANEL % nr == 0 : nr;
        this.isa = isa;
        this.mr = mr;
        this.nr = nr;
    }

    /**
     * C[rows × NR] = A[rows × kq] · B[kq × NR], plus the old C when {@code add}, for 1 ≤ rows ≤ MR;
     * see the class comment. A full tile runs {@link #tile}; fewer rows (the last sliver, or a
     * product of a few rows) run {@link #shortTile}s of 4, 2 and 1 rows, so one row does not pay
     * for MR.
     */
    final void multiply(int rows, float[] a, int aIdx, int lda, float[] b, int bIdx, int kq,
                        float[] c, int cIdx, int ldc, boolean add) {
        if (rows == mr) {
            tile(a, aIdx, lda, b, bIdx, kq, c, cIdx, ldc, add);
            return;
        }
        int r = 0;
        for (; rows - r >= 4; r += 4) {
            shortTile(4, a, aIdx + r * lda, lda, b, bIdx, kq, c, cIdx + r * ldc, ldc, add);
        }
        if (rows - r >= 2) {
            shortTile(2, a, aIdx + r * lda, lda, b, bIdx, kq, c, cIdx + r * ldc, ldc, add);
            r += 2;
        }
        if (rows > r) {
            shortTile(1, a, aIdx + r * lda, lda, b, bIdx, kq, c, cIdx + r * ldc, ldc, add);
        }
    }

    /** The full MR × NR tile. */
    abstract void tile(float[] a, int aIdx, int lda, float[] b, int bIdx, int kq, float[] c, int cIdx, int ldc,
                       boolean add);

    /** A tile of {@code rows} = 4, 2 or 1 rows (only those fewer than MR are asked for). */
    abstract void shortTile(int rows, float[] a, int aIdx, int lda, float[] b, int bIdx, int kq, float[] c, int cIdx,
                            int ldc, boolean add);

    /**
     * One row against a whole 48-column panel ({@link Panels#PANEL}): {@code multiply} on 1 row, in
     * NR-wide pieces unless a subclass has a wider single-row tile. A single row has no rows to
     * reuse B across, so what bounds it is the latency of each sum's chain of FMAs: the more
     * columns summed at once, the more chains run side by side.
     */
    void multiplyRow(float[] a, int aIdx, float[] b, int bIdx, int kq, float[] c, int cIdx, boolean add) {
        for (int jj = 0; jj < Panels.PANEL; jj += nr) {
            multiply(1, a, aIdx, 0, b, bIdx + jj, kq, c, cIdx + jj, 0, add);
        }
    }

    /**
     * The micro-kernel this process uses for {@code isa}; for AVX-512, of the height
     * {@link Avx512MicroKernel#rowsFor} picks.
     */
    static MicroKernel of(Isa isa) {
        return switch (isa) {
            case SCALAR -> new ScalarMicroKernel();
            case AVX2 -> new Avx2MicroKernel();
            case AVX512 -> new Avx512MicroKernel(Avx512MicroKernel.CHOSEN_ROWS);
        };
    }

    /** Every micro-kernel there is, each instruction set's variants included: what the parity tests run. */
    static MicroKernel[] every() {
        return new MicroKernel[] {new ScalarMicroKernel(), new Avx2MicroKernel(), new Avx512MicroKernel(8),
            new Avx512MicroKernel(4)};
    }

    /** The tile, as bench prints it: {@code 8x48}. */
    String tile() {
        return mr + "x" + nr;
    }
}
