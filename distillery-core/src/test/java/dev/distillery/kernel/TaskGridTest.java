package dev.distillery.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Every row and panel of a product lands in exactly one task, in bands the packed blocks can hold. */
class TaskGridTest {
    @Test
    void tasksCoverEveryRowAndPanelOnce() {
        int blockHeight = 192;
        int tileHeight = 2;
        for (boolean split : new boolean[] {false, true}) {
            for (int rows : new int[] {1, 2, 7, 64, 191, 192, 193, 421, 2048, 2049}) {
                for (int panels : new int[] {1, 3, 8, 24, 32}) {
                    TaskGrid g = TaskGrid.plan(rows, panels, blockHeight, tileHeight, split);
                    String what = rows + " rows, " + panels + " panels, split " + split + ": " + g;
                    assertTrue(g.maxBandRows() <= blockHeight, what);
                    int[][] seen = new int[rows][panels];
                    for (int t = 0; t < g.tasks(); t++) {
                        assertTrue(g.firstRow(t) % tileHeight == 0 && g.endRow(t) - g.firstRow(t) <= g.maxBandRows(), what);
                        for (int r = g.firstRow(t); r < g.endRow(t); r++) {
                            for (int p = g.firstPanel(t); p < Math.min(panels, g.firstPanel(t) + g.panelsPerTask()); p++) {
                                seen[r][p]++;
                            }
                        }
                    }
                    for (int r = 0; r < rows; r++) {
                        for (int p = 0; p < panels; p++) {
                            assertEquals(1, seen[r][p], what + " at row " + r + ", panel " + p);
                        }
                    }
                    if (!split) {
                        assertEquals(1, g.columnTasks(), what);
                    }
                }
            }
        }
    }

    @Test
    void shortProductsSplitByPanelsAndTallOnesByRows() {
        TaskGrid shortOne = TaskGrid.plan(64, 32, 192, 2, true);
        assertEquals(1, shortOne.rowTasks());
        assertEquals(Math.min(32, TaskGrid.COLUMN_TASKS_PER_THREAD * Parallel.threads()), shortOne.columnTasks());
        TaskGrid tall = TaskGrid.plan(2048, 32, 192, 2, true);
        assertEquals(1, tall.columnTasks());
        assertEquals(0, tall.rowTasks() % Parallel.threads(), "a whole number of bands per thread: " + tall);
        for (int t = 0; t < tall.tasks(); t++) {
            int height = tall.endRow(t) - tall.firstRow(t);
            assertTrue(height == tall.maxBandRows() || height == tall.maxBandRows() - 2, "bands as even as tiles allow: " + tall);
        }
    }
}
