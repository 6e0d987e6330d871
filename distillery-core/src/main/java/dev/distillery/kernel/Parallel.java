package dev.distillery.kernel;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The one team of threads every kernel and layer shares, so nested parallel loops never
 * oversubscribe the cores. Its size is {@code -Ddistillery.threads=N}, else the number of
 * available processors; the calling thread is one of them.
 *
 * <p>A loop is cut into a few pieces per thread, which the caller and the workers claim from one
 * counter. The caller starts on the first piece at once instead of handing the whole loop to the
 * pool and sleeping: on a virtual machine an idle core can take hundreds of microseconds to wake,
 * and a late worker then simply claims fewer pieces. For the same reason workers spin for a short
 * while after a loop before they park, since a forward pass starts its next loop within
 * microseconds. Which thread runs a piece never changes a result: pieces write disjoint outputs.
 */
public final class Parallel {
    private static final int THREADS = Math.max(1, Integer.getInteger("distillery.threads",
            Runtime.getRuntime().availableProcessors()));
    /** Pieces per thread: enough for a late or slow thread to cost little, few enough to keep per-piece setup small. */
    private static final int PIECES_PER_THREAD = 8;
    /** How long an idle worker or a waiting caller spins before it parks. */
    private static final long SPIN_NANOS = 200_000;

    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static final Worker[] WORKERS = startWorkers(THREADS - 1);
    private static volatile Loop current;
    private static long loops; // loops published so far; written only by the caller holding BUSY

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
     * Runs {@code body} over [0, count), cut into contiguous pieces shared by the team. Runs
     * inline when there is one task or one thread, inside another parallel loop, or while another
     * caller holds the team (so concurrent callers never oversubscribe the cores). An exception
     * thrown by a piece is rethrown here once every started piece has finished.
     */
    public static void forRange(int count, RangeBody body) {
        if (count <= 1 || WORKERS.length == 0 || Thread.currentThread() instanceof Worker
                || !BUSY.compareAndSet(false, true)) {
            body.run(0, count);
            return;
        }
        Loop loop = new Loop(++loops, body, count, Math.min(count, THREADS * PIECES_PER_THREAD), Thread.currentThread());
        try {
            current = loop;
            for (Worker w : WORKERS) {
                if (w.sleeping) {
                    LockSupport.unpark(w);
                }
            }
            loop.work();
            loop.awaitPieces();
        } finally {
            current = null;
            BUSY.set(false);
        }
        loop.rethrow();
    }

    private static Worker[] startWorkers(int count) {
        Worker[] workers = new Worker[count];
        for (int i = 0; i < count; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
        return workers;
    }

    /** One parallel loop: its pieces, the claim counter, and how many pieces are still running. */
    private static final class Loop {
        private final long number;
        private final RangeBody body;
        private final int count;
        private final int pieces;
        private final Thread caller;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger unfinished;
        private volatile Throwable failure;

        Loop(long number, RangeBody body, int count, int pieces, Thread caller) {
            this.number = number;
            this.body = body;
            this.count = count;
            this.pieces = pieces;
            this.caller = caller;
            this.unfinished = new AtomicInteger(pieces);
        }

        /** Claims and runs pieces until none is left. */
        void work() {
            for (int p = next.getAndIncrement(); p < pieces; p = next.getAndIncrement()) {
                try {
                    if (failure == null) {
                        body.run((int) ((long) count * p / pieces), (int) ((long) count * (p + 1) / pieces));
                    }
                } catch (Throwable t) {
                    synchronized (this) {
                        if (failure == null) {
                            failure = t;
                        }
                    }
                } finally {
                    if (unfinished.decrementAndGet() == 0 && Thread.currentThread() != caller) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }

        /** Waits for pieces that workers claimed and are still running. */
        void awaitPieces() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (unfinished.get() > 0) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }

        void rethrow() {
            Throwable t = failure;
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException("a parallel loop failed", t);
            }
        }
    }

    private static final class Worker extends Thread {
        /** Set before parking and read by callers after publishing a loop, so no wake-up is lost. */
        volatile boolean sleeping;

        Worker(int index) {
            super("distillery-worker-" + index);
            setDaemon(true);
        }

        @Override
        public void run() {
            long done = 0; // the number of the last loop this worker took part in; not the loop, so its arrays can go
            while (true) {
                Loop loop = awaitLoop(done);
                loop.work();
                done = loop.number;
            }
        }

        /** Spins, then parks, until a loop numbered after {@code done} is published. */
        private Loop awaitLoop(long done) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (true) {
                Loop loop = current;
                if (loop != null && loop.number > done) {
                    return loop;
                }
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                sleeping = true;
                loop = current;
                if (loop == null || loop.number <= done) {
                    LockSupport.park(this);
                }
                sleeping = false;
                spinUntil = System.nanoTime() + SPIN_NANOS;
            }
        }
    }
}
