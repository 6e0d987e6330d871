package dev.distillery.bench;

import dev.distillery.kernel.KernelProvider;
import dev.distillery.kernel.Parallel;
import dev.distillery.model.EncoderConfig;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.train.AdamW;
import dev.distillery.train.GradientClipping;
import dev.distillery.train.LossFunction;
import dev.distillery.train.Loss;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Prints the seconds one fine-tuning step takes for a MiniLM-sized BERT (hidden 384, 6 layers, 12 heads,
 * feed-forward 1536, vocabulary 30522) on a batch of 32 × 48 tokens, split into forward, backward and
 * clip + AdamW, with the kernels {@link KernelProvider} picked. Run it through {@code bin/bench-train-step}.
 *
 * <p>Arguments: {@code [batch seqLen [timed-steps]]}. The figure is the median of the timed steps
 * after two warm-up steps.
 */
public final class TrainStepBenchmark {
    private TrainStepBenchmark() {
    }

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        int seqLen = args.length > 1 ? Integer.parseInt(args[1]) : 48;
        int timed = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        EncoderConfig config = new EncoderConfig("bert", 30522, 384, 6, 12, 1536, 512, 2, 1e-12f, 0.1f, 0.1f, 0.1f,
                List.of("benign", "phishing"));
        SequenceClassifier model = SequenceClassifier.create(config, 1);
        SplittableRandom rng = new SplittableRandom(2);
        int[] ids = new int[batch * seqLen];
        int[] mask = new int[batch * seqLen];
        int[] labels = new int[batch];
        for (int b = 0; b < batch; b++) {
            int length = seqLen / 2 + rng.nextInt(seqLen / 2 + 1); // some padding, as a length-grouped batch has
            for (int t = 0; t < length; t++) {
                ids[b * seqLen + t] = t == 0 ? 101 : 1000 + rng.nextInt(29000);
                mask[b * seqLen + t] = 1;
            }
            labels[b] = rng.nextInt(2);
        }
        EncoderInput input = new EncoderInput(batch, seqLen, ids, new int[batch * seqLen], mask);
        AdamW adamw = new AdamW(model.parameters(), AdamW.Options.withWeightDecay(0.01), AdamW::biasOrLayerNorm);
        LossFunction loss = LossFunction.crossEntropy(null);

        System.out.printf(Locale.ROOT, "training step, MiniLM-sized BERT (%,d parameters), batch %d × %d, %d threads, kernels %s, %s%n",
                model.parameters().stream().mapToLong(p -> p.data().length).sum(), batch, seqLen, Parallel.threads(),
                KernelProvider.get().getClass().getSimpleName(), System.getProperty("java.vm.version"));
        int total = 2 + timed;
        double[] forward = new double[timed];
        double[] backward = new double[timed];
        double[] update = new double[timed];
        for (int i = 0; i < total; i++) {
            long t0 = System.nanoTime();
            SequenceClassifier.Trace trace = model.forwardTrain(input, new SplittableRandom(i));
            Loss l = loss.compute(trace.logits(), 2, null, labels);
            long t1 = System.nanoTime();
            model.backward(trace, l.dLogits());
            long t2 = System.nanoTime();
            GradientClipping.clipGlobalNorm(model.parameters(), 1.0);
            adamw.step(5e-5);
            adamw.zeroGrad();
            long t3 = System.nanoTime();
            String kind = i < 2 ? "warm-up" : "timed";
            System.out.printf(Locale.ROOT, "  step %d (%s): %.2f s (forward %.2f, backward %.2f, clip+AdamW %.2f), loss %.4f%n",
                    i + 1, kind, (t3 - t0) / 1e9, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, l.value());
            if (i >= 2) {
                forward[i - 2] = (t1 - t0) / 1e9;
                backward[i - 2] = (t2 - t1) / 1e9;
                update[i - 2] = (t3 - t2) / 1e9;
            }
        }
        double f = median(forward);
        double b = median(backward);
        double u = median(update);
        System.out.printf(Locale.ROOT, "median: %.2f s/step (forward %.2f, backward %.2f, clip+AdamW %.2f); %.1f examples/s%n",
                f + b + u, f, b, u, batch / (f + b + u));
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
