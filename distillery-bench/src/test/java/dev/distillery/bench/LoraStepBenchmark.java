package dev.distillery.bench;

import dev.distillery.io.DType;
import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.io.HfConfig;
import dev.distillery.kernel.KernelProvider;
import dev.distillery.kernel.Parallel;
import dev.distillery.lora.FrozenBase;
import dev.distillery.lora.LoraConfig;
import dev.distillery.lora.LoraModels;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.ModelConfig;
import dev.distillery.train.AdamW;
import dev.distillery.train.GradientClipping;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Seconds per LoRA training step and memory of a decoder whose frozen base is held as FP32 or a
 * 4-bit format, one format per process so each sees only its own allocations. Run it through
 * {@code bin/bench-lora-step}.
 *
 * <p>Arguments: {@code MODEL FORMAT [batch seqLen [timed-steps [rank]]]}. MODEL is a decoder folder
 * or llama2.c checkpoint, or {@code random:CONFIG.json:DIR}: a model of that config's shape with
 * seeded random weights, written to DIR (as F32 safetensors) the first time. The base is read as
 * {@code finetune} reads it ({@link FrozenBase}: tensor by tensor, each matrix packed or quantized as
 * it is read); adapters of the given rank go on every projection (q, k, v, o, gate, up, down),
 * gradient checkpointing on. A step is the forward pass, the next-token loss, the backward pass,
 * clipping and AdamW, on random ids. The figure is the median of the timed steps after two warm-up
 * steps. Memory: the bytes the model holds (frozen base plus adapters), and the heap still in use
 * after a full collection at the end (model, adapters' gradients and AdamW moments, buffers kept
 * between steps); activations are transient within a step and not in that figure.
 */
public final class LoraStepBenchmark {
    private LoraStepBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: MODEL|random:CONFIG.json:DIR FORMAT [batch seqLen [timed [rank]]]");
        }
        Path model = resolve(args[0]);
        String format = args[1];
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int seqLen = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int timed = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        int rank = args.length > 5 ? Integer.parseInt(args[5]) : 8;

        long loadStart = System.nanoTime();
        CausalLanguageModel lm;
        try (FrozenBase base = FrozenBase.load(model, format)) {
            LoraConfig lora = new LoraConfig(rank, 2f * rank, 0f,
                    LoraConfig.resolveTargets(base.config(), List.of("all")), LoraConfig.Bias.NONE);
            lm = LoraModels.training(base, lora, 1);
        }
        double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
        lm.decoder().gradientCheckpointing(true);
        ModelConfig config = lm.config();
        SplittableRandom rng = new SplittableRandom(2);
        int[] ids = new int[batch * seqLen];
        int[] mask = new int[batch * seqLen];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(config.vocabSize());
        }
        Arrays.fill(mask, 1);
        EncoderInput input = new EncoderInput(batch, seqLen, ids, new int[ids.length], mask);
        AdamW adamw = new AdamW(lm.parameters(), AdamW.Options.withWeightDecay(0.01), AdamW::biasOrLayerNorm);
        long trainable = lm.parameters().stream().mapToLong(p -> p.value().size()).sum();
        System.out.printf(Locale.ROOT, "LoRA step, %s as %s (%,d parameters, %,d trainable, r=%d on every projection), "
                        + "batch %d × %d, %d threads, kernels %s, %s%n", model.getFileName(), format,
                lm.parameterCount(), trainable, rank, batch, seqLen, Parallel.threads(),
                KernelProvider.get().getClass().getSimpleName(), System.getProperty("java.vm.version"));

        double[] seconds = new double[timed];
        for (int i = 0; i < 2 + timed; i++) {
            long t0 = System.nanoTime();
            CausalLanguageModel.TrainingStep step = lm.trainingStep(input);
            lm.backward(step);
            GradientClipping.clipGlobalNorm(lm.parameters(), 1.0);
            adamw.step(1e-4);
            adamw.zeroGrad();
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "  step %d (%s): %.2f s, loss %.4f%n", i + 1, i < 2 ? "warm-up" : "timed", s,
                    step.loss());
            if (i >= 2) {
                seconds[i - 2] = s;
            }
        }
        Arrays.sort(seconds);
        double median = timed % 2 == 1 ? seconds[timed / 2] : (seconds[timed / 2 - 1] + seconds[timed / 2]) / 2;
        System.gc();
        long liveHeap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        System.out.printf(Locale.ROOT, "median: %.2f s/step; model held %.1f MB; live heap after the steps %.1f MB; "
                + "load %.1f s%n", median, lm.bytes() / 1e6, liveHeap / 1e6, loadSeconds);
        System.out.printf(Locale.ROOT, "{\"model\":\"%s\",\"format\":\"%s\",\"batch\":%d,\"seq\":%d,\"rank\":%d,"
                        + "\"parameters\":%d,\"trainable\":%d,\"secondsPerStep\":%.4f,\"stepSeconds\":%s,"
                        + "\"modelBytes\":%d,\"liveHeapBytes\":%d,\"loadSeconds\":%.2f,\"threads\":%d,\"kernels\":\"%s\"}%n",
                model.getFileName(), format, batch, seqLen, rank, lm.parameterCount(), trainable, median,
                Arrays.toString(seconds), lm.bytes(), liveHeap, loadSeconds, Parallel.threads(),
                KernelProvider.get().getClass().getSimpleName());
    }

    /** The model path, writing the random folder of a {@code random:CONFIG.json:DIR} argument first if missing. */
    private static Path resolve(String arg) throws Exception {
        if (!arg.startsWith("random:")) {
            return Path.of(arg);
        }
        String[] parts = arg.split(":", 3);
        Path dir = Path.of(parts[2]);
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            ModelConfig config = HfConfig.readAny(Path.of(parts[1]));
            CausalLanguageModel random = CausalLanguageModel.create(config, 7);
            DecoderCheckpoint.write(dir, config, random.weights(), null, DType.F32);
            System.out.printf(Locale.ROOT, "wrote a random %s-shaped model to %s%n", parts[1], dir);
        }
        return dir;
    }
}
