package dev.distillery.serve;

import dev.distillery.classify.Prediction;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Gathers the inputs of concurrent requests into one forward pass: a worker thread takes the oldest
 * waiting request, adds the requests that arrive until {@code maxBatch} inputs or until that request
 * has waited {@code maxWaitNanos}, runs the predictor once and hands each caller its own answers.
 *
 * <p>A request's inputs stay together (so one request never waits on two passes); a request larger
 * than {@code maxBatch} forms a batch of its own, which the classifier splits into passes itself.
 * One worker per model is enough: the forward pass already uses every core through
 * {@code kernel.Parallel}, and while it runs the next batch fills up, so batches grow with load.
 * Life cycle: {@link #submit} from any thread; {@link #close} refuses new inputs, finishes the
 * queued ones and stops the worker.
 */
final class MicroBatcher implements AutoCloseable {
    /** A model's answer for one input and when it was ready ({@link System#nanoTime}). */
    record Answer(Prediction prediction, long readyNanos) {
    }

    private record Job(List<String> texts, long queuedNanos, CompletableFuture<List<Answer>> answers) {
    }

    private static final Job STOP = new Job(List.of(), 0, null);

    private final String name;
    private final Predictor predictor;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final Histogram batchSizes;
    private final LinkedBlockingDeque<Job> queue = new LinkedBlockingDeque<>();
    private final Semaphore capacity;
    private final int queueCapacity;
    private final Object submitLock = new Object();
    private final Thread worker;
    private boolean closed; // guarded by submitLock

    /**
     * @param queueCapacity inputs that may be waiting or in a pass at once; {@link #submit} refuses more
     *                      with {@link ErrorKind#OVERLOADED}
     */
    MicroBatcher(String name, Predictor predictor, int maxBatch, long maxWaitNanos, int queueCapacity,
                 Histogram batchSizes) {
        if (maxBatch < 1 || maxWaitNanos < 0 || queueCapacity < 1) {
            throw new IllegalArgumentException("batch " + maxBatch + ", wait " + maxWaitNanos + " ns, queue " + queueCapacity);
        }
        this.name = name;
        this.predictor = predictor;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWaitNanos;
        this.batchSizes = batchSizes;
        this.queueCapacity = queueCapacity;
        this.capacity = new Semaphore(queueCapacity);
        this.worker = Thread.ofPlatform().name("distillery-batcher-" + name).daemon().unstarted(this::work);
        worker.start();
    }

    /** Queues {@code texts}; the future gives one answer per text, in order, or the predictor's failure. */
    CompletableFuture<List<Answer>> submit(List<String> texts) throws ApiException {
        if (!capacity.tryAcquire(texts.size())) {
            throw new ApiException(ErrorKind.OVERLOADED, "the " + name + " model has too many inputs waiting; retry shortly");
        }
        CompletableFuture<List<Answer>> answers = new CompletableFuture<>();
        synchronized (submitLock) {
            if (closed) {
                capacity.release(texts.size());
                throw new ApiException(ErrorKind.SHUTTING_DOWN, "the server is shutting down");
            }
            queue.add(new Job(List.copyOf(texts), System.nanoTime(), answers));
        }
        return answers;
    }

    /** Inputs waiting or in a forward pass now. */
    int inFlight() {
        return queueCapacity - capacity.availablePermits();
    }

    private void work() {
        List<Job> batch = new ArrayList<>();
        boolean stopping = false;
        while (!stopping) {
            batch.clear();
            Job first = takeUninterruptibly();
            if (first == STOP) {
                return;
            }
            batch.add(first);
            int size = first.texts().size();
            long deadline = first.queuedNanos() + maxWaitNanos;
            while (size < maxBatch) {
                // only this thread takes from the queue, so a peeked job is still there to poll
                Job next = queue.peek();
                if (next == null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || !awaitArrival(left)) {
                        break;
                    }
                    continue;
                }
                if (next == STOP) {
                    queue.poll();
                    stopping = true;
                    break;
                }
                if (size + next.texts().size() > maxBatch) {
                    break;
                }
                queue.poll();
                batch.add(next);
                size += next.texts().size();
            }
            run(batch, size);
        }
    }

    private void run(List<Job> batch, int size) {
        List<Prediction> predictions = null;
        Throwable failure = null;
        try {
            List<String> texts = new ArrayList<>(size);
            for (Job job : batch) {
                texts.addAll(job.texts());
            }
            predictions = predictor.predictBatch(texts);
            if (predictions.size() != size) {
                throw new IllegalStateException("the " + name + " model returned " + predictions.size()
                        + " predictions for " + size + " inputs");
            }
        } catch (Throwable t) {
            // the worker must outlive any failure, or every later request would hang
            failure = t;
        }
        long ready = System.nanoTime();
        // book-keeping before answering, so a caller that has its answer sees the capacity and metrics it freed
        capacity.release(size);
        batchSizes.observe(size);
        int from = 0;
        for (Job job : batch) {
            if (failure != null) {
                job.answers().completeExceptionally(failure);
                continue;
            }
            List<Answer> answers = new ArrayList<>(job.texts().size());
            for (int i = 0; i < job.texts().size(); i++) {
                answers.add(new Answer(predictions.get(from + i), ready));
            }
            from += job.texts().size();
            job.answers().complete(answers);
        }
    }

    private Job takeUninterruptibly() {
        while (true) {
            try {
                return queue.take();
            } catch (InterruptedException e) {
                // only close() stops the worker, through STOP, so queued callers are always answered
            }
        }
    }

    /** Waits up to {@code nanos} for a job to arrive, leaving it in the queue; false when none came. */
    private boolean awaitArrival(long nanos) {
        try {
            Job next = queue.poll(nanos, TimeUnit.NANOSECONDS);
            if (next == null) {
                return false;
            }
            // put it back at the head: the caller decides whether it fits
            queue.addFirst(next);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** Refuses new inputs, answers every queued one, then stops the worker. */
    @Override
    public void close() {
        synchronized (submitLock) {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(STOP);
        }
        boolean interrupted = false;
        while (worker.isAlive()) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
