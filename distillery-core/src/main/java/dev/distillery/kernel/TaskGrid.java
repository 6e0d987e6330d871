package dev.distillery.kernel;

/**
 * How a blocked product over weight panels is cut into tasks for {@link Parallel}: bands of rows
 * times groups of panels, task {@code t} covering row band {@code t / columnTasks} and panel group
 * {@code t % columnTasks}. The FP32 GEMM and the low-bit GEMM share it, so both split the same way.
 *
 * <p>Tall products (a batch of sequences) split by rows alone, a whole number of bands per
 * thread: 11 bands on 2 threads would idle one for 9%. Short ones (one 64-token sequence) split
 * by panels alone, a few groups per thread, so each panel is streamed (or decoded) once and a late
 * thread costs little.
 *
 * @param rowHeight     rows per band (a multiple of the micro-tile height, at most the block height)
 * @param rowTasks      bands
 * @param panelsPerTask panels per group
 * @param columnTasks   groups
 */
public record TaskGrid(int rowHeight, int rowTasks, int panelsPerTask, int columnTasks) {
    /** Panel groups per thread for short products. */
    static final int COLUMN_TASKS_PER_THREAD = 4;

    /**
     * @param rows        rows of the product
     * @param panels      weight panels (output columns / panel width, rounded up)
     * @param blockHeight most rows one band may hold (the packed block that stays in L2)
     * @param tileHeight  rows of the micro-tile; band heights are multiples of it
     * @param split       whether the product is worth spreading over the team at all
     */
    public static TaskGrid plan(int rows, int panels, int blockHeight, int tileHeight, boolean split) {
        int bands = (rows + blockHeight - 1) / blockHeight;
        int groups = 1;
        if (split) {
            int threads = Parallel.threads();
            if (bands < 2 * threads) {
                groups = Math.min(panels, (COLUMN_TASKS_PER_THREAD * threads + bands - 1) / bands);
            } else {
                bands = (bands + threads - 1) / threads * threads;
            }
        }
        int rowHeight = Math.min(blockHeight, ((rows + bands - 1) / bands + tileHeight - 1) / tileHeight * tileHeight);
        int panelsPerTask = (panels + groups - 1) / groups;
        return new TaskGrid(rowHeight, (rows + rowHeight - 1) / rowHeight, panelsPerTask,
                (panels + panelsPerTask - 1) / panelsPerTask);
    }

    public int tasks() {
        return rowTasks * columnTasks;
    }

    /** First row of task {@code t}'s band. */
    public int firstRow(int t) {
        return t / columnTasks * rowHeight;
    }

    /** First panel of task {@code t}'s group. */
    public int firstPanel(int t) {
        return t % columnTasks * panelsPerTask;
    }
}
