package dev.distillery.kernel.lowbit;

import dev.distillery.kernel.KernelProvider;
import dev.distillery.kernel.LinearWeight;
import dev.distillery.kernel.RowTable;
import dev.distillery.kernel.ScalarKernels;
import dev.distillery.kernel.TransposedGemm;

/**
 * A quantized W [out, in] whose codes are re-laid once, at construction, into panels of
 * {@link TileGemm#NR} outputs: code (o, i) of panel t = o / NR sits at
 * {@code (t·in + i)·NR + o % NR} (8-bit formats) or, two rows to a byte, in the low nibble
 * (even i) or high nibble (odd i) of byte {@code (t·⌈in/2⌉ + i/2)·NR + o % NR} (4-bit formats).
 * Outputs past {@code out} in the last panel hold code 0 and are never written to c.
 *
 * <p>Each format supplies a vector {@link #decodeTile} for the GEMM and a scalar {@link #weight}
 * read straight from the packed codes for the reference path and for row gathers (quantized
 * embeddings). With {@code -Ddistillery.kernels=scalar} the products take the scalar path.
 */
public abstract sealed class BlockedWeight implements LinearWeight, RowTable, TransposedGemm.Tiles
        permits Int8ChannelWeight, Int8AffineWeight, Q8_0Weight, Q4_0Weight, Nf4Weight {
    final int out;
    final int in;
    final int panels;

    BlockedWeight(int out, int in) {
        if (out < 0 || in < 0) {
            throw new IllegalArgumentException("a weight cannot have shape [" + out + "×" + in + "]");
        }
        this.out = out;
        this.in = in;
        this.panels = TileGemm.panels(out);
    }

    @Override
    public final int in() {
        return in;
    }

    @Override
    public final int out() {
        return out;
    }

    @Override
    public final int rows() {
        return out;
    }

    @Override
    public final int width() {
        return in;
    }

    /** W[o, i] decoded from the packed codes: the value every product uses for that weight. */
    public abstract float weight(int o, int i);

    /**
     * Decodes rows p0..p0+kq of panel t of Wᵀ into {@code tile[p·NR + j]}; {@code scales} is scratch
     * of KC / 32 · NR floats, one row of NR per block of 32 rows. p0 is a multiple of {@link TileGemm#KC}.
     */
    abstract void decodeTile(int t, int p0, int kq, float[] tile, float[] scales);

    /** {@link #decodeTile} one {@link #weight} at a time, for layouts the vector decoders do not cover. */
    final void decodeTileScalar(int t, int p0, int kq, float[] tile) {
        int nr = TileGemm.NR;
        for (int p = 0; p < kq; p++) {
            for (int j = 0; j < nr; j++) {
                int o = t * nr + j;
                tile[p * nr + j] = o < out ? weight(o, p0 + p) : 0f;
            }
        }
    }

    @Override
    public final void multiplyAdd(float[] x, int xOff, int ldx, float[] c, int cOff, int ldc, int rows) {
        if (KernelProvider.get() instanceof ScalarKernels) {
            TileGemm.multiplyAddScalar(this, x, xOff, ldx, c, cOff, ldc, rows);
        } else {
            TileGemm.multiplyAdd(this, x, xOff, ldx, c, cOff, ldc, rows);
        }
    }

    /** The scalar reference of {@link #multiplyAdd}, bit-identical to the vector path. */
    public final void multiplyAddScalar(float[] x, int xOff, int ldx, float[] c, int cOff, int ldc, int rows) {
        TileGemm.multiplyAddScalar(this, x, xOff, ldx, c, cOff, ldc, rows);
    }

    @Override
    public final void multiplyTransposedAdd(float[] dy, int dyOff, int lddy, float[] dx, int dxOff, int lddx,
                                            int rows) {
        TransposedGemm.multiplyAdd(this, dy, dyOff, lddy, dx, dxOff, lddx, rows);
    }

    /** A panel of {@link TileGemm#NR} outputs. */
    @Override
    public final int tileOuts() {
        return TileGemm.NR;
    }

    /** {@link TileGemm#KC} inputs, a multiple of every block size, as the forward product decodes. */
    @Override
    public final int tileDepth() {
        return TileGemm.KC;
    }

    private static final ThreadLocal<float[]> TILE_SCALES = ThreadLocal.withInitial(
            () -> new float[TileGemm.KC / 32 * TileGemm.NR]);

    @Override
    public final void transposedTile(int t, int q, float[] tile, boolean vector) {
        int p0 = q * TileGemm.KC;
        int kq = Math.min(TileGemm.KC, in - p0);
        if (vector) {
            decodeTile(t, p0, kq, tile, TILE_SCALES.get());
        } else {
            decodeTileScalar(t, p0, kq, tile);
        }
    }

    @Override
    public final void addRow(int row, float[] dst, int off) {
        for (int i = 0; i < in; i++) {
            dst[off + i] += weight(row, i);
        }
    }

    /** Re-lays row-major codes [out, in] into 8-bit panels (see the class comment). */
    static byte[] panelBytes(byte[] codes, int out, int in) {
        int panels = TileGemm.panels(out);
        int nr = TileGemm.NR;
        byte[] packed = new byte[Math.multiplyExact(panels * nr, in)];
        for (int o = 0; o < out; o++) {
            int dst = o / nr * in * nr + o % nr;
            int src = o * in;
            for (int i = 0; i < in; i++) {
                packed[dst + i * nr] = codes[src + i];
            }
        }
        return packed;
    }

    /** Offset of code (o, i) in 8-bit panels. */
    final int byteIndex(int o, int i) {
        int nr = TileGemm.NR;
        return (o / nr * in + i) * nr + o % nr;
    }

    /** Offset of the byte holding the nibble of code (o, i) in 4-bit panels; i odd is the high nibble. */
    final int nibbleIndex(int o, int i) {
        int nr = TileGemm.NR;
        return (o / nr * ((in + 1) / 2) + i / 2) * nr + o % nr;
    }

    /** Space for 4-bit panels of this shape. */
    final byte[] newNibblePanels() {
        return new byte[Math.multiplyExact(panels * TileGemm.NR, (in + 1) / 2)];
    }

    final void putNibble(byte[] packed, int o, int i, int code) {
        int idx = nibbleIndex(o, i);
        packed[idx] = (byte) (packed[idx] | (code & 15) << (i % 2 == 0 ? 0 : 4));
    }

    final int nibble(byte[] packed, int o, int i) {
        return packed[nibbleIndex(o, i)] >> (i % 2 == 0 ? 0 : 4) & 15;
    }

    static void checkLength(String what, long actual, long expected, int out, int in) {
        if (actual != expected) {
            throw new IllegalArgumentException(what + " of a weight [" + out + "×" + in + "] must hold " + expected
                    + " entries, got " + actual);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + out + "×" + in + "]";
    }
}
