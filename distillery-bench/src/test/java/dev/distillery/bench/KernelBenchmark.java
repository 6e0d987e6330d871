package dev.distillery.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.distillery.kernel.Kernels;
import dev.distillery.kernel.PackedMatrix;
import dev.distillery.kernel.ScalarKernels;
import dev.distillery.kernel.VectorKernels;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One MiniLM-sized encoder layer's kernels (batch 1 × 64 tokens, hidden 384, 12 heads of 32,
 * feed-forward 1536) on the vector and scalar implementations in the same run, so the report
 * reads as ratios. Run with {@code bin/bench-kernels}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class KernelBenchmark {
    private static final int TOKENS = 64;
    private static final int HIDDEN = 384;
    private static final int FFN = 1536;
    private static final int HEADS = 12;
    private static final int HEAD = 32;

    @Param({"vector", "scalar"})
    public String implementation;

    private Kernels kernels;
    private float[] x; // [TOKENS, HIDDEN]
    private float[] w; // [FFN, HIDDEN], PyTorch Linear weight
    private PackedMatrix packedW;
    private float[] hidden; // [TOKENS, FFN]
    private float[] q; // [HEADS, TOKENS, HEAD]
    private float[] k; // [HEADS, TOKENS, HEAD]
    private float[] scores; // [HEADS, TOKENS, TOKENS]
    private float[] gamma; // [HIDDEN]
    private float[] beta; // [HIDDEN]
    private float[] normed; // [TOKENS, HIDDEN]

    @Setup
    public void setUp() {
        kernels = implementation.equals("vector") ? new VectorKernels() : new ScalarKernels();
        Random random = new Random(7);
        x = random(random, TOKENS * HIDDEN);
        w = random(random, FFN * HIDDEN);
        packedW = kernels.pack(w, 0, HIDDEN, HIDDEN, FFN, true);
        hidden = new float[TOKENS * FFN];
        q = random(random, HEADS * TOKENS * HEAD);
        k = random(random, HEADS * TOKENS * HEAD);
        scores = random(random, HEADS * TOKENS * TOKENS);
        gamma = random(random, HIDDEN);
        beta = random(random, HIDDEN);
        normed = new float[TOKENS * HIDDEN];
    }

    private static float[] random(Random random, int size) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = random.nextFloat() * 2f - 1f;
        }
        return v;
    }

    /** x · Wᵀ for the feed-forward expansion, packing W on every call. */
    @Benchmark
    public float[] linearExpand() {
        kernels.matmulTransB(x, 0, HIDDEN, w, 0, HIDDEN, hidden, 0, FFN, TOKENS, FFN, HIDDEN, false);
        return hidden;
    }

    /** The same product with W packed once, as an inference Linear does. */
    @Benchmark
    public float[] linearExpandPacked() {
        kernels.matmulPacked(x, 0, HIDDEN, packedW, hidden, 0, FFN, TOKENS, false);
        return hidden;
    }

    /** Attention scores Q·Kᵀ over all heads. */
    @Benchmark
    public float[] attentionScores() {
        kernels.matmulBatched(false, true, HEADS, q, 0, TOKENS * HEAD, HEAD, k, 0, TOKENS * HEAD, HEAD,
                scores, 0, TOKENS * TOKENS, TOKENS, TOKENS, TOKENS, HEAD, false);
        return scores;
    }

    @Benchmark
    public float[] softmaxScores() {
        kernels.softmaxRows(scores, 0, HEADS * TOKENS, TOKENS);
        return scores;
    }

    @Benchmark
    public float[] geluHidden() {
        kernels.gelu(hidden, 0, hidden, 0, TOKENS * FFN);
        return hidden;
    }

    @Benchmark
    public float[] layerNorm() {
        kernels.layerNormRows(x, 0, gamma, beta, normed, 0, null, null, TOKENS, HIDDEN, 1e-12f);
        return normed;
    }
}
