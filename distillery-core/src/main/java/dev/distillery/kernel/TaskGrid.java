package dev.distillery.kernel;

/**
 * How a blocked product over weight panels is cut into tasks for {@link Parallel}: bands of rows
 * times groups of panels, task {@code t} covering row band {@code t / columnTasks} and panel group
 * {@code t % columnTasks}. The FP32 GEMM and the low-bit GEMM share it, so both split the same way.
 *
 * <p>Tall products (a batch of sequences) split by rows alone, a whole number of bands per
 * thread, the bands as even as whole micro-tiles allow: 2,048 rows on 2 threads make 12 bands of
 * 168 or 176 rows, not 11 of 176 and one of 112, which left one thread idle for a sixth of a
 * band at the end of every product. Short ones (one 64-token sequence) split by panels alone, a
 * few groups per thread, so each panel is streamed (or decoded) once and a late thread costs
 * little.
 *
 * @param rows          rows of the product
 * @param tileHeight    rows of the micro-tile; bands start at multiples of it
 * @param rowTasks      bands
 * @param panelsPerTask panels per group
 * @param columnTasks   groups
 */
public record TaskGrid(int rows, int tileHeight, int rowTasks, int panelsPerTask, int columnTasks) {
    /** Panel groups per thread for short products. */
    static final int COLUMN_TASKS_PER_THREAD = 4;

    /**
     * @param rows        rows of the product
     * @param panels      weight panels (output columns / panel width, rounded up)
     * @param blockHeight most rows one band may hold (the block of A that stays in L2), at least the tile height
     * @param tileHeight  rows of the micro-tile; band heights are multiples of it, but for the last band
     * @param split       whether the product is worth spreading over the team at all
     */
    public static TaskGrid plan(int rows, int panels, int blockHeight, int tileHeight, boolean split) {
        int tiles = (rows + tileHeight - 1) / tileHeight;
        int tilesPerBlock = Math.max(1, blockHeight / tileHeight);
        int bands = Math.max(1, (tiles + tilesPerBlock - 1) / tilesPerBlock);
        int groups = 1;
        if (split) {
            int threads = Parallel.threads();
            if (bands < 2 * threads) {
                groups = Math.min(panels, (COLUMN_TASKS_PER_THREAD * threads + bands - 1) / bands);
            } else {
                bands = Math.min(tiles, (bands + threads - 1) / threads * threads);
            }
        }
        int panelsPerTask = (panels + groups - 1) / groups;
        return new TaskGrid(rows, tileHeight, bands, panelsPerTask, (panels + panelsPerTask - 1) / panelsPerTask);
    }

    public int tasks() {
        return rowTasks * columnTasks;
    }

    /** First row of task {@code t}'s band. */
    public int firstRow(int t) {
        return bandStart(t / columnTasks);
    }

    /** One past the last row of task {@code t}'s band. */
    public int endRow(int t) {
        return bandStart(t / columnTasks + 1);
    }

    /** Most rows any band holds. */
    public int maxBandRows() {
        int tiles = (rows + tileHeight - 1) / tileHeight;
        return Math.min(rows, (tiles + rowTasks - 1) / rowTasks * tileHeight);
    }

    private int bandStart(int band) {
        int tiles = (rows + tileHeight - 1) / tileHeight;
        return Math.min(rows, (int) ((long) tiles * band / rowTasks) * tileHeight);
    }

    /** First panel of task {@code t}'s group. */
    public int firstPanel(int t) {
        return t % columnTasks * panelsPerTask;
    }
}
