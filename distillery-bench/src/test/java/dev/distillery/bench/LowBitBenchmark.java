package dev.distillery.bench;

import dev.distillery.kernel.LinearWeight;

import java.util.Arrays;
import java.util.Random;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Two measurements behind the low-bit design, run through {@code bin/bench-lowbit}:
 * <ol>
 *   <li>GFLOP/s of x[m, in]·Wᵀ for W [out, in] as FP32 and in every {@link BenchQuantizer} format
 *       (default the MiniLM feed-forward shapes at 64 rows), interleaved call by call;</li>
 *   <li>the integer route dynamic activation quantization would take on AVX2 without VNNI: a
 *       2-row micro-kernel multiplying int16-widened INT8 codes ({@code vpmullw}, exact since
 *       127·127 + 127·127 fits in 16 bits), widening pairs of products to int32 and adding, against
 *       the FP32 FMA micro-kernel, both on L1-resident operands on one thread. The Vector API has
 *       no {@code pmaddubsw}/{@code pmaddwd}, so the widening is explicit.</li>
 * </ol>
 * Arguments: {@code [rows [seconds]]}.
 */
public final class LowBitBenchmark {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Short> SH = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;

    private LowBitBenchmark() {
    }

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        for (int[] shape : new int[][] {{1536, 384}, {384, 1536}, {1152, 384}}) {
            products(rows, shape[0], shape[1], seconds / 4);
        }
        microKernels(seconds / 4);
    }

    private static void products(int rows, int out, int in, double seconds) {
        Random random = new Random(1);
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian() * 0.05f;
        }
        float[] x = new float[rows * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat() * 2 - 1;
        }
        float[] c = new float[rows * out];
        BenchQuantizer[] schemes = BenchQuantizer.values();
        LinearWeight[] weights = new LinearWeight[schemes.length];
        for (int s = 0; s < schemes.length; s++) {
            weights[s] = schemes[s].quantize(w, out, in);
        }
        long[][] times = new long[schemes.length][];
        int calls = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long[][] buffer = new long[schemes.length][100_000];
        for (int round = 0; (System.nanoTime() < end || round < 50) && calls < buffer[0].length; round++) {
            for (int i = 0; i < schemes.length; i++) {
                int s = (round + i) % schemes.length;
                long t0 = System.nanoTime();
                weights[s].multiplyAdd(x, 0, in, c, 0, out, rows);
                buffer[s][calls] = System.nanoTime() - t0;
            }
            calls++;
        }
        StringBuilder line = new StringBuilder(String.format("[%d×%d]·[%d×%d]ᵀ", rows, in, out, in));
        double flops = 2.0 * rows * out * in;
        int skip = calls / 5; // the first fifth warms the JIT up
        for (int s = 0; s < schemes.length; s++) {
            times[s] = Arrays.copyOfRange(buffer[s], skip, calls);
            Arrays.sort(times[s]);
            line.append(String.format("  %s %.1f GFLOP/s (%d KiB)", schemes[s].label(),
                    flops / times[s][times[s].length / 2], weights[s].bytes() / 1024));
        }
        System.out.println(line);
    }

    private static void microKernels(double seconds) {
        int kq = 128;
        float[] tile = new float[kq * 48];
        short[] tile16 = new short[kq * 32];
        float[] x = new float[2 * kq];
        short[] x16 = new short[2 * kq];
        Random random = new Random(2);
        for (int i = 0; i < tile.length; i++) {
            tile[i] = random.nextFloat();
        }
        for (int i = 0; i < tile16.length; i++) {
            tile16[i] = (short) (random.nextInt(255) - 127);
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat();
            x16[i] = (short) (random.nextInt(255) - 127);
        }
        float[] c = new float[8];
        int[] ci = new int[8];
        long end = System.nanoTime() + (long) (seconds * 1e9);
        java.util.List<Double> ratios = new java.util.ArrayList<>();
        for (int round = 0; round < 12 || System.nanoTime() < end; round++) {
            int reps = 20_000;
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                fp32Kernel(x, kq, tile, c);
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                int16Kernel(x16, kq, tile16, ci);
            }
            long t2 = System.nanoTime();
            if (round >= 4) { // the first rounds run before C2 has compiled both kernels
                double fp32 = 2.0 * 2 * 48 * kq * reps / (t1 - t0);
                double int16 = 2.0 * 2 * 32 * kq * reps / (t2 - t1);
                ratios.add(int16 / fp32);
            }
        }
        ratios.sort(null);
        System.out.printf("micro-kernel, one thread, L1-resident: int16·int16→int32 over FP32 FMA multiply-adds per "
                        + "second, median %.2f (quartiles %.2f–%.2f, %d rounds; checksums %s %s)%n",
                ratios.get(ratios.size() / 2), ratios.get(ratios.size() / 4), ratios.get(3 * ratios.size() / 4),
                ratios.size(), c[0], ci[0]);
    }

    /** 2 rows × 48 columns, one FMA per 8 multiply-adds. */
    private static void fp32Kernel(float[] x, int kq, float[] t, float[] c) {
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = a00;
        FloatVector a02 = a00;
        FloatVector a03 = a00;
        FloatVector a04 = a00;
        FloatVector a05 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a12 = a00;
        FloatVector a13 = a00;
        FloatVector a14 = a00;
        FloatVector a15 = a00;
        for (int p = 0, bp = 0; p < kq; p++, bp += 48) {
            FloatVector x0 = FloatVector.broadcast(F, x[p]);
            FloatVector x1 = FloatVector.broadcast(F, x[kq + p]);
            FloatVector b = FloatVector.fromArray(F, t, bp);
            a00 = x0.fma(b, a00);
            a10 = x1.fma(b, a10);
            b = FloatVector.fromArray(F, t, bp + 8);
            a01 = x0.fma(b, a01);
            a11 = x1.fma(b, a11);
            b = FloatVector.fromArray(F, t, bp + 16);
            a02 = x0.fma(b, a02);
            a12 = x1.fma(b, a12);
            b = FloatVector.fromArray(F, t, bp + 24);
            a03 = x0.fma(b, a03);
            a13 = x1.fma(b, a13);
            b = FloatVector.fromArray(F, t, bp + 32);
            a04 = x0.fma(b, a04);
            a14 = x1.fma(b, a14);
            b = FloatVector.fromArray(F, t, bp + 40);
            a05 = x0.fma(b, a05);
            a15 = x1.fma(b, a15);
        }
        a00.add(a01).add(a02).add(a03).add(a04).add(a05).add(a10).add(a11).add(a12).add(a13).add(a14).add(a15)
                .intoArray(c, 0);
    }

    /** 2 rows × 32 columns, two k steps at a time: products summed in int16, widened, added in int32. */
    private static void int16Kernel(short[] x, int kq, short[] t, int[] c) {
        IntVector a00 = IntVector.zero(I);
        IntVector a01 = a00;
        IntVector a02 = a00;
        IntVector a03 = a00;
        IntVector a10 = a00;
        IntVector a11 = a00;
        IntVector a12 = a00;
        IntVector a13 = a00;
        for (int p = 0, bp = 0; p < kq; p += 2, bp += 64) {
            ShortVector b0 = ShortVector.fromArray(SH, t, bp);
            ShortVector b0h = ShortVector.fromArray(SH, t, bp + 16);
            ShortVector b1 = ShortVector.fromArray(SH, t, bp + 32);
            ShortVector b1h = ShortVector.fromArray(SH, t, bp + 48);
            short x00 = x[p];
            short x01 = x[p + 1];
            short x10 = x[kq + p];
            short x11 = x[kq + p + 1];
            ShortVector s = b0.mul(x00).add(b1.mul(x01));
            a00 = a00.add((IntVector) s.convertShape(VectorOperators.S2I, I, 0));
            a01 = a01.add((IntVector) s.convertShape(VectorOperators.S2I, I, 1));
            s = b0h.mul(x00).add(b1h.mul(x01));
            a02 = a02.add((IntVector) s.convertShape(VectorOperators.S2I, I, 0));
            a03 = a03.add((IntVector) s.convertShape(VectorOperators.S2I, I, 1));
            s = b0.mul(x10).add(b1.mul(x11));
            a10 = a10.add((IntVector) s.convertShape(VectorOperators.S2I, I, 0));
            a11 = a11.add((IntVector) s.convertShape(VectorOperators.S2I, I, 1));
            s = b0h.mul(x10).add(b1h.mul(x11));
            a12 = a12.add((IntVector) s.convertShape(VectorOperators.S2I, I, 0));
            a13 = a13.add((IntVector) s.convertShape(VectorOperators.S2I, I, 1));
        }
        a00.add(a01).add(a02).add(a03).add(a10).add(a11).add(a12).add(a13).intoArray(c, 0);
    }
}
