package dev.distillery.kernel;

/**
 * A constant table read one row at a time, such as an embedding matrix [rows, width]: FP32, or
 * quantized with each gathered row decoded on the fly (every low-bit {@link LinearWeight} of
 * {@code kernel.lowbit} is also a row table over its [out, in] rows).
 *
 * <p>Immutable and thread-safe. Example: {@code RowTable.fp32(new float[] {1, 2, 3, 4}, 2, 2)}
 * adds {@code 3, 4} to {@code dst[off], dst[off + 1]} on {@code addRow(1, dst, off)}.
 */
public interface RowTable {
    int rows();

    int width();

    /** Bytes of table data this object keeps reachable. */
    long bytes();

    /** dst[off .. off + width) += row {@code row} of the table; no bounds check beyond the array's. */
    void addRow(int row, float[] dst, int off);

    /** A table over {@code data} [rows, width] without copying it. */
    static RowTable fp32(float[] data, int rows, int width) {
        if (data.length != (long) rows * width) {
            throw new IllegalArgumentException("an FP32 table [" + rows + "×" + width + "] needs " + (long) rows * width
                    + " floats, got " + data.length);
        }
        return new RowTable() {
            @Override
            public int rows() {
                return rows;
            }

            @Override
            public int width() {
                return width;
            }

            @Override
            public long bytes() {
                return 4L * data.length;
            }

            @Override
            public void addRow(int row, float[] dst, int off) {
                int src = row * width;
                for (int j = 0; j < width; j++) {
                    dst[off + j] += data[src + j];
                }
            }
        };
    }
}
