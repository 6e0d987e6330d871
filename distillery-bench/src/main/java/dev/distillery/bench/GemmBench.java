package dev.distillery.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Times matrix products of one shape by several engines, interleaved call by call: every round
 * calls each engine once, starting with a different one each round, so all see the same machine
 * state in turn. A fifth of the budget warms up (the JIT compiles the micro-kernels there); each
 * engine's figure is the median call, with the quartiles to show how noisy the machine was.
 */
public final class GemmBench {
    /** One engine's product, run for its time only. */
    @FunctionalInterface
    public interface Product {
        void run() throws Exception;
    }

    /**
     * @param gflops   2·m·k·n over the median call time, in 10⁹ flop per second
     * @param gflopsQ1 at the slower quartile call
     * @param gflopsQ3 at the faster quartile call
     * @param calls    timed calls
     */
    public record Figures(double gflops, double gflopsQ1, double gflopsQ3, int calls) {
    }

    private final Map<String, Product> engines;
    private final double flops;
    private final long budgetNanos;

    /** @param engines name → product, in display order; {@code flops} is the work of one call */
    public GemmBench(Map<String, Product> engines, double flops, double seconds) {
        if (engines.isEmpty()) {
            throw new IllegalArgumentException("a GEMM bench needs at least one engine");
        }
        this.engines = new LinkedHashMap<>(engines);
        this.flops = flops;
        this.budgetNanos = (long) (seconds * 1e9);
    }

    public Map<String, Figures> run() throws Exception {
        List<Product> products = new ArrayList<>(engines.values());
        int n = products.size();
        rounds(products, budgetNanos / 5, null);
        List<List<Long>> times = new ArrayList<>();
        for (int e = 0; e < n; e++) {
            times.add(new ArrayList<>());
        }
        rounds(products, budgetNanos * 4 / 5, times);
        Map<String, Figures> out = new LinkedHashMap<>();
        int e = 0;
        for (String name : engines.keySet()) {
            long[] sorted = times.get(e++).stream().mapToLong(Long::longValue).sorted().toArray();
            out.put(name, new Figures(flops / MultiBench.quantile(sorted, 0.5), flops / MultiBench.quantile(sorted, 0.75),
                    flops / MultiBench.quantile(sorted, 0.25), sorted.length));
        }
        return out;
    }

    /** At least {@link Bench#MIN_ROUNDS} rounds and until {@code nanos} have passed. */
    private static void rounds(List<Product> products, long nanos, List<List<Long>> times) throws Exception {
        int n = products.size();
        long end = System.nanoTime() + nanos;
        for (int round = 0; round < Bench.MIN_ROUNDS || System.nanoTime() < end; round++) {
            for (int i = 0; i < n; i++) {
                int e = (round + i) % n;
                long start = System.nanoTime();
                products.get(e).run();
                long elapsed = System.nanoTime() - start;
                if (times != null) {
                    times.get(e).add(elapsed);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "GemmBench" + Arrays.toString(engines.keySet().toArray());
    }
}
