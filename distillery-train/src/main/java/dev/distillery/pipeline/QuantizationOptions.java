package dev.distillery.pipeline;

import dev.distillery.quant.QuantScheme;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Quantization#run} does.
 *
 * @param model      a classifier folder with FP32 weights (train-teacher or distill output)
 * @param scheme     the format of the quantized weights
 * @param skip       patterns of weights to leave FP32: a weight whose Hugging Face name contains a pattern, or
 *                   matches it as a glob ({@code *}, {@code ?}), is skipped; e.g. {@code embeddings}, {@code layer.0.}
 * @param dataDir    folder with validation and test files, or null
 * @param validation validation file (when {@code dataDir} is null), or null
 * @param test       test file (when {@code dataDir} is null), or null
 * @param evaluate   score the FP32 and the quantized model on the validation and test files; without any file
 *                   named, the bundled phishing-urls splits are used
 * @param maxF1Drop  mixed precision: keep the most F1-sensitive weights at {@code keepAs} until the validation F1
 *                   drop is at most this; NaN for none (then every candidate is quantized)
 * @param keepAs     format of the weights kept for accuracy: null for FP32, or e.g. {@link QuantScheme#INT8_CHANNEL}
 * @param out        folder to write; must differ from {@code model}
 * @param command    the command line, for the manifest
 */
public record QuantizationOptions(Path model, QuantScheme scheme, List<String> skip, Path dataDir, Path validation,
                                  Path test, boolean evaluate, double maxF1Drop, QuantScheme keepAs, Path out,
                                  String command) {
    public QuantizationOptions {
        skip = List.copyOf(skip);
        if (dataDir != null && (validation != null || test != null)) {
            throw new IllegalArgumentException("give either a data folder or validation/test files, not both");
        }
        if (!Double.isNaN(maxF1Drop) && !(maxF1Drop >= 0 && maxF1Drop < 1)) {
            throw new IllegalArgumentException("the F1 budget must lie in [0, 1), got " + maxF1Drop);
        }
        if (keepAs != null && keepAs == scheme) {
            throw new IllegalArgumentException("weights kept for accuracy must use another format than " + scheme.id());
        }
        if (model.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("the output folder must differ from the model folder " + model);
        }
    }

    /** Every candidate weight quantized with {@code scheme}, no evaluation, no budget. */
    public static QuantizationOptions of(Path model, QuantScheme scheme, Path out) {
        return new QuantizationOptions(model, scheme, List.of(), null, null, null, false, Double.NaN, null, out,
                "Quantization.run");
    }

    /** Whether validation F1 is needed: asked for, or a budget to meet. */
    boolean scores() {
        return evaluate || !Double.isNaN(maxF1Drop) || dataDir != null || validation != null || test != null;
    }
}
