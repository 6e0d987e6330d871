package dev.distillery.kernel;

import java.util.Arrays;

/** Several weights with the same {@code in} stacked along {@code out}; see {@link LinearWeight#stack}. */
final class StackedWeight implements LinearWeight {
    private final LinearWeight[] parts;
    private final int in;
    private final int out;

    StackedWeight(LinearWeight[] parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("cannot stack zero weights");
        }
        this.parts = parts.clone();
        this.in = parts[0].in();
        int total = 0;
        for (LinearWeight p : parts) {
            if (p.in() != in) {
                throw new IllegalArgumentException("stacked weights must share their input width; got "
                        + Arrays.toString(Arrays.stream(parts).mapToInt(LinearWeight::in).toArray()));
            }
            total += p.out();
        }
        this.out = total;
    }

    @Override
    public int in() {
        return in;
    }

    @Override
    public int out() {
        return out;
    }

    @Override
    public long bytes() {
        long sum = 0;
        for (LinearWeight p : parts) {
            sum += p.bytes();
        }
        return sum;
    }

    @Override
    public void multiply(Gemm gemm, float[] x, int xOff, int ldx, float[] c, int cOff, int ldc, int rows,
                         boolean accumulate, Epilogue epilogue) {
        int col = 0;
        for (LinearWeight p : parts) {
            p.multiply(gemm, x, xOff, ldx, c, cOff + col, ldc, rows, accumulate, epilogue.from(col));
            col += p.out();
        }
    }

    /** Parts in order, so every dx element still takes its outputs in increasing order. */
    @Override
    public void multiplyTransposedAdd(float[] dy, int dyOff, int lddy, float[] dx, int dxOff, int lddx, int rows) {
        int col = 0;
        for (LinearWeight p : parts) {
            p.multiplyTransposedAdd(dy, dyOff + col, lddy, dx, dxOff, lddx, rows);
            col += p.out();
        }
    }

    @Override
    public String toString() {
        return "stack" + Arrays.toString(parts);
    }
}
