package dev.distillery.kernel;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.stream.IntStream;

/**
 * The one thread pool every kernel and layer shares, so nested parallel loops never
 * oversubscribe the cores. Its size is {@code -Ddistillery.threads=N}, else the number of
 * available processors.
 */
public final class Parallel {
    private static final int THREADS = Integer.getInteger("distillery.threads",
            Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = THREADS == ForkJoinPool.getCommonPoolParallelism()
            ? ForkJoinPool.commonPool() : new ForkJoinPool(THREADS);

    private Parallel() {
    }

    public static int threads() {
        return THREADS;
    }

    /** Body of a parallel loop over the half-open range [from, to) of task indices. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} over [0, count) split into at most {@link #threads()} contiguous chunks.
     * Runs inline when there is one chunk or when already inside the pool.
     */
    public static void forRange(int count, RangeBody body) {
        int chunks = Math.min(THREADS, count);
        if (chunks <= 1 || Thread.currentThread() instanceof ForkJoinWorkerThread worker && worker.getPool() == POOL) {
            body.run(0, count);
            return;
        }
        POOL.submit(() -> IntStream.range(0, chunks).parallel().forEach(chunk -> {
            int from = (int) ((long) count * chunk / chunks);
            int to = (int) ((long) count * (chunk + 1) / chunks);
            body.run(from, to);
        })).join();
    }
}
