package dev.distillery.bench;

import dev.distillery.model.EncoderConfig;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.SequenceClassifier;

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

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Inference and one training step of an all-MiniLM-L6-v2-sized BERT classifier (384 hidden,
 * 6 layers, 12 heads) on whichever kernels {@link dev.distillery.kernel.KernelProvider} picks.
 * Run from the repository root:
 * <pre>
 *   ./mvnw -B -q -pl distillery-bench -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
 *       -Dmdep.outputFile=target/cp.txt
 *   java --add-modules jdk.incubator.vector \
 *       -cp distillery-bench/target/test-classes:distillery-bench/target/classes:$(cat distillery-bench/target/cp.txt) \
 *       org.openjdk.jmh.Main EncoderBenchmark
 * </pre>
 * Add {@code -jvmArgsAppend -Ddistillery.kernels=scalar} for the reference kernels.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class EncoderBenchmark {
    @Param({"8"})
    public int batch;
    @Param({"128"})
    public int seqLen;

    private SequenceClassifier model;
    private EncoderInput input;
    private int[] labels;

    @Setup
    public void setUp() {
        EncoderConfig minilm = new EncoderConfig("bert", 30522, 384, 6, 12, 1536, 512, 2, 1e-12f,
                0.1f, 0.1f, 0.1f, List.of("benign", "malicious"));
        model = SequenceClassifier.create(minilm, 1);
        int[] ids = new int[batch * seqLen];
        int[] mask = new int[batch * seqLen];
        SplittableRandom rng = new SplittableRandom(2);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1 + rng.nextInt(30521);
            mask[i] = 1;
        }
        input = new EncoderInput(batch, seqLen, ids, new int[ids.length], mask);
        labels = new int[batch];
    }

    @Benchmark
    public float[] logits() {
        return model.logits(input);
    }

    @Benchmark
    public float trainStep() {
        SequenceClassifier.TrainingStep step = model.forwardTrain(input, labels, new SplittableRandom(3));
        model.backward(step);
        return step.loss();
    }
}
