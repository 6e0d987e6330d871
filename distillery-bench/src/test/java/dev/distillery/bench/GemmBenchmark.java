package dev.distillery.bench;

import java.util.Arrays;
import java.util.Random;

import dev.distillery.kernel.Kernels;
import dev.distillery.kernel.PackedMatrix;
import dev.distillery.kernel.Parallel;
import dev.distillery.kernel.ScalarKernels;
import dev.distillery.kernel.VectorKernels;

/**
 * Prints GFLOP/s of the Linear-layer product [m×k]·[k×n] (default 2048×384·384×1536, the
 * feed-forward expansion of a MiniLM batch) for {@link VectorKernels} and {@link ScalarKernels}
 * in the same run, as A·B, A·Bᵀ and A·(pre-packed B). Run it through {@code bin/bench-gemm};
 * the pool size is {@code -Ddistillery.threads} (the machine's cores by default).
 *
 * <p>Arguments: {@code [m k n [seconds-per-form]]}. The figure is the median of timed calls
 * after a warm-up long enough for C2 to compile the micro-kernel.
 */
public final class GemmBenchmark {
    private GemmBenchmark() {
    }

    private interface Product {
        void run();
    }

    public static void main(String[] args) {
        int m = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
        int k = args.length > 1 ? Integer.parseInt(args[1]) : 384;
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 1536;
        double seconds = args.length > 3 ? Double.parseDouble(args[3]) : 3.0;
        Random random = new Random(42);
        float[] a = random(random, m * k); // [m, k]
        float[] b = random(random, k * n); // [k, n]
        float[] bt = random(random, n * k); // [n, k], a PyTorch Linear weight
        float[] c = new float[m * n]; // [m, n]
        double flops = 2.0 * m * n * k;
        Kernels vector = new VectorKernels();
        Kernels scalar = new ScalarKernels();
        PackedMatrix packed = vector.pack(bt, 0, k, k, n, true);

        System.out.printf("GEMM [%d×%d]·[%d×%d], %d threads, %s%n", m, k, k, n, Parallel.threads(),
                System.getProperty("java.vm.version"));
        System.out.printf("load average at start: %.2f (GF/s per core-second ignores it, but counts the 200 µs"
                + " idle workers spin between calls)%n",
                OS.getSystemLoadAverage());
        System.out.printf("%-14s %32s %21s %8s%n", "form", "vector GF/s", "scalar GF/s (1 thr)", "ratio");
        System.out.printf("%-14s %10s %10s %10s %10s %10s %8s%n", "", "wall", "best call", "per core", "wall",
                "per core", "wall");
        Rate vAb = gflops(() -> vector.matmul(a, 0, k, b, 0, n, c, 0, n, m, n, k, false), flops, seconds);
        Rate sAb = gflops(() -> scalar.matmul(a, 0, k, b, 0, n, c, 0, n, m, n, k, false), flops, seconds);
        print("A·B", vAb, sAb);
        Rate vAbt = gflops(() -> vector.matmulTransB(a, 0, k, bt, 0, k, c, 0, n, m, n, k, false), flops, seconds);
        Rate sAbt = gflops(() -> scalar.matmulTransB(a, 0, k, bt, 0, k, c, 0, n, m, n, k, false), flops, seconds);
        print("A·Bᵀ", vAbt, sAbt);
        Rate vPacked = gflops(() -> vector.matmulPacked(a, 0, k, packed, c, 0, n, m, false), flops, seconds);
        print("A·packed(Bᵀ)", vPacked, sAbt);
        System.out.printf("load average at end: %.2f%n", OS.getSystemLoadAverage());
    }

    private static void print(String form, Rate vector, Rate scalar) {
        System.out.printf("%-14s %10.1f %10.1f %10.1f %10.2f %10.2f %8.1f%n", form, vector.wallGflops(),
                vector.bestWallGflops(), vector.cpuGflops(),
                scalar.wallGflops(), scalar.cpuGflops(), vector.wallGflops() / scalar.wallGflops());
    }

    private static float[] random(Random random, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = random.nextFloat() * 2f - 1f;
        }
        return x;
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    /** Result of one form: median wall-clock rate, and the rate per second of process CPU time. */
    private record Rate(double wallGflops, double bestWallGflops, double cpuGflops) {
    }

    /**
     * Warms up for a third of the budget (at least two calls), then takes the median and the fastest call in
     * wall-clock time, and sums process CPU time over the timed calls. On a machine shared with other jobs the wall figure
     * falls with the share of the cores this process gets; the CPU figure (flops per core-second,
     * lowered by the time {@code Parallel}'s idle workers spin after each call)
     * does not, and times the thread count gives what the same code does on idle cores.
     */
    private static Rate gflops(Product product, double flops, double seconds) {
        long budget = (long) (seconds * 1e9);
        long start = System.nanoTime();
        int warm = 0;
        while (warm < 2 || System.nanoTime() - start < budget / 3) {
            product.run();
            warm++;
        }
        double[] times = new double[Math.max(3, Math.min(200, warm * 2))];
        double[] cpuTimes = new double[times.length];
        int count = 0;
        long timed = System.nanoTime();
        while (count < times.length && (count < 3 || System.nanoTime() - timed < budget * 2 / 3)) {
            long c0 = OS.getProcessCpuTime();
            long t0 = System.nanoTime();
            product.run();
            times[count] = System.nanoTime() - t0;
            cpuTimes[count++] = OS.getProcessCpuTime() - c0;
        }
        // CPU time ticks in 10 ms steps here, so it is summed over all timed calls, not taken per call.
        double fastest = Arrays.stream(times, 0, count).min().orElseThrow();
        return new Rate(flops / median(times, count), flops / fastest, flops * count / Arrays.stream(cpuTimes, 0, count).sum());
    }

    private static double median(double[] values, int count) {
        double[] used = Arrays.copyOf(values, count);
        Arrays.sort(used);
        return used[count / 2];
    }
}
