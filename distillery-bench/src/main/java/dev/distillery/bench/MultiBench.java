package dev.distillery.bench;

import dev.distillery.model.EncoderInput;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Bench} for any number of engines: every round calls each engine once on the same input,
 * starting with a different engine each round, so all see the same machine state in turn. A
 * fifth of the budget warms up, the rest is split between throughput (full batches) and latency
 * (one sequence) phases, each at least {@link Bench#MIN_ROUNDS} rounds.
 */
public final class MultiBench {
    /**
     * Figures of one engine; the quartiles show how noisy a shared machine was.
     *
     * @param seqPerSec        sequences per second over all timed throughput calls
     * @param seqPerSecQ1      throughput of the call at the first quartile of durations (slower calls give less)
     * @param seqPerSecQ3      throughput at the third quartile
     * @param latencyMs        median single-sequence latency
     * @param latencyQ1Ms      its first quartile
     * @param latencyQ3Ms      its third quartile
     */
    public record Figures(double seqPerSec, double seqPerSecQ1, double seqPerSecQ3,
                          double latencyMs, double latencyQ1Ms, double latencyQ3Ms, int calls) {
    }

    private final Map<String, Contestant> engines;
    private final List<EncoderInput> batches;
    private final List<EncoderInput> singles;
    private final long budgetNanos;
    /** Engine indices in call order, warm-up included, for tests. */
    private final StringBuilder trace = new StringBuilder();

    /** @param engines name → engine, in display order */
    public MultiBench(Map<String, Contestant> engines, List<EncoderInput> batches, List<EncoderInput> singles,
                      double seconds) {
        if (engines.isEmpty() || batches.isEmpty() || singles.isEmpty()) {
            throw new IllegalArgumentException("bench needs an engine, a batch and a single-sequence input");
        }
        this.engines = new LinkedHashMap<>(engines);
        this.batches = List.copyOf(batches);
        this.singles = List.copyOf(singles);
        this.budgetNanos = (long) (seconds * 1e9);
    }

    public Map<String, Figures> run() throws Exception {
        List<String> names = new ArrayList<>(engines.keySet());
        int n = names.size();
        long warmUpEnd = System.nanoTime() + budgetNanos / 5;
        for (int round = 0; round < Bench.MIN_ROUNDS || System.nanoTime() < warmUpEnd; round++) {
            round(names, round, batches.get(round % batches.size()), null);
            round(names, round, singles.get(round % singles.size()), null);
        }
        long[][] batchTimes = new long[n][];
        long[][] singleTimes = new long[n][];
        List<List<Long>> bt = timed(names, batches, budgetNanos * 2 / 5);
        List<List<Long>> st = timed(names, singles, budgetNanos * 2 / 5);
        int perCall = batches.get(0).batch();
        Map<String, Figures> out = new LinkedHashMap<>();
        for (int e = 0; e < n; e++) {
            batchTimes[e] = bt.get(e).stream().mapToLong(Long::longValue).sorted().toArray();
            singleTimes[e] = st.get(e).stream().mapToLong(Long::longValue).sorted().toArray();
            long[] b = batchTimes[e];
            long[] s = singleTimes[e];
            out.put(names.get(e), new Figures(Bench.seqPerSec(bt.get(e), perCall),
                    perCall / (quantile(b, 0.75) / 1e9), perCall / (quantile(b, 0.25) / 1e9),
                    Bench.medianMillis(st.get(e)), quantile(s, 0.25) / 1e6, quantile(s, 0.75) / 1e6, b.length));
        }
        return out;
    }

    private List<List<Long>> timed(List<String> names, List<EncoderInput> inputs, long nanos) throws Exception {
        List<List<Long>> times = new ArrayList<>();
        for (int e = 0; e < names.size(); e++) {
            times.add(new ArrayList<>());
        }
        long end = System.nanoTime() + nanos;
        for (int round = 0; round < Bench.MIN_ROUNDS || System.nanoTime() < end; round++) {
            round(names, round, inputs.get(round % inputs.size()), times);
        }
        return times;
    }

    /** Each engine once on {@code input}, round r starting with engine r mod n. */
    private void round(List<String> names, int round, EncoderInput input, List<List<Long>> times) throws Exception {
        int n = names.size();
        for (int i = 0; i < n; i++) {
            int e = (round + i) % n;
            long start = System.nanoTime();
            engines.get(names.get(e)).encode(input);
            trace.append((char) ('A' + e));
            long elapsed = System.nanoTime() - start;
            if (times != null) {
                times.get(e).add(elapsed);
            }
        }
    }

    String trace() {
        return trace.toString();
    }

    /** Linear-interpolated quantile of sorted values. */
    static double quantile(long[] sorted, double q) {
        return quantile(Arrays.stream(sorted).asDoubleStream().toArray(), q);
    }

    /** Linear-interpolated quantile of sorted values. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    @Override
    public String toString() {
        return "MultiBench" + Arrays.toString(engines.keySet().toArray());
    }
}
