package dev.distillery.bench;

import dev.distillery.model.EncoderInput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Measures throughput (sequences per second over full batches) and median single-sequence
 * latency of Distillery and, when given, a peer, interleaved call by call so that both see the
 * same machine state (thermal, other load, JIT and caches warmed alike). Within each round the
 * order alternates, so neither engine always runs right after the other's cache pollution.
 *
 * <p>Time budget: a fifth goes to untimed warm-up (the JIT compiles Distillery's kernels
 * there), the rest splits evenly between the throughput and latency phases. Each phase runs at
 * least {@link #MIN_ROUNDS} rounds whatever the budget.
 */
public final class Bench {
    static final int MIN_ROUNDS = 3;

    private final Contestant distillery;
    private final Contestant peer;
    private final List<EncoderInput> batches;
    private final List<EncoderInput> singles;
    private final long budgetNanos;
    private final int threads;

    /** Calls made, in order, for tests: 'D' or 'P' per timed or warm-up call. */
    private final StringBuilder trace = new StringBuilder();

    /**
     * @param peer    null to measure Distillery alone
     * @param batches full batches for throughput, all of one shape
     * @param singles batch-1 inputs for latency, of the same sequence length
     */
    public Bench(Contestant distillery, Contestant peer, List<EncoderInput> batches, List<EncoderInput> singles,
                 double seconds, int threads) {
        if (batches.isEmpty() || singles.isEmpty()) {
            throw new IllegalArgumentException("bench needs at least one batch and one single-sequence input");
        }
        for (EncoderInput s : singles) {
            if (s.batch() != 1 || s.seqLen() != batches.get(0).seqLen()) {
                throw new IllegalArgumentException("latency inputs must be one sequence of " + batches.get(0).seqLen()
                        + " tokens, got " + s.batch() + " × " + s.seqLen());
            }
        }
        this.distillery = distillery;
        this.peer = peer;
        this.batches = List.copyOf(batches);
        this.singles = List.copyOf(singles);
        this.budgetNanos = (long) (seconds * 1e9);
        this.threads = threads;
    }

    public BenchResult run() throws Exception {
        long warmUpEnd = System.nanoTime() + budgetNanos / 5;
        for (int round = 0; round < MIN_ROUNDS || System.nanoTime() < warmUpEnd; round++) {
            round(round, batches.get(round % batches.size()), null, null);
            round(round, singles.get(round % singles.size()), null, null);
        }
        long phaseNanos = budgetNanos * 2 / 5;
        List<Long> dBatch = new ArrayList<>();
        List<Long> pBatch = new ArrayList<>();
        long end = System.nanoTime() + phaseNanos;
        for (int round = 0; round < MIN_ROUNDS || System.nanoTime() < end; round++) {
            round(round, batches.get(round % batches.size()), dBatch, pBatch);
        }
        List<Long> dSingle = new ArrayList<>();
        List<Long> pSingle = new ArrayList<>();
        end = System.nanoTime() + phaseNanos;
        for (int round = 0; round < MIN_ROUNDS || System.nanoTime() < end; round++) {
            round(round, singles.get(round % singles.size()), dSingle, pSingle);
        }
        int perCall = batches.get(0).batch();
        return new BenchResult(threads, batches.get(0).seqLen(), perCall, dBatch.size(), dSingle.size(),
                seqPerSec(dBatch, perCall), peer == null ? null : seqPerSec(pBatch, perCall),
                medianMillis(dSingle), peer == null ? null : medianMillis(pSingle));
    }

    /** One call per engine on the same input; even rounds start with Distillery, odd with the peer. */
    private void round(int round, EncoderInput input, List<Long> dTimes, List<Long> pTimes) throws Exception {
        boolean distilleryFirst = peer == null || round % 2 == 0;
        if (distilleryFirst) {
            time(distillery, 'D', input, dTimes);
        }
        if (peer != null) {
            time(peer, 'P', input, pTimes);
        }
        if (!distilleryFirst) {
            time(distillery, 'D', input, dTimes);
        }
    }

    private void time(Contestant c, char who, EncoderInput input, List<Long> times) throws Exception {
        long start = System.nanoTime();
        c.encode(input);
        long elapsed = System.nanoTime() - start;
        trace.append(who);
        if (times != null) {
            times.add(elapsed);
        }
    }

    String trace() {
        return trace.toString();
    }

    static double seqPerSec(List<Long> nanos, int perCall) {
        long total = 0;
        for (long n : nanos) {
            total += n;
        }
        return nanos.size() * (double) perCall / (total / 1e9);
    }

    static double medianMillis(List<Long> nanos) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        double median = sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
        return median / 1e6;
    }
}
