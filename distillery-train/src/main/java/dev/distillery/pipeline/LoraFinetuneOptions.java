package dev.distillery.pipeline;

import dev.distillery.lora.LoraConfig;
import dev.distillery.train.TrainOptions;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link LoraFinetuning} does: the base decoder and the format its frozen weights are held
 * in, the text to train on, the adapter, the training options and where the adapter goes.
 *
 * @param baseFormat      "fp32", a quantization scheme id ("nf4-dq", "q4_0", ...), or null for the
 *                        base's own format (FP32, or the scheme of a quantized folder)
 * @param validation      text scored after each epoch (the best epoch's adapter is kept), or null
 * @param targets         LoRA targets as the user gave them (roles such as q, v, or PEFT module names)
 * @param maxLength       tokens per example at most (longer ones are cut, or split with {@code windows}); 0 for
 *                        min(256, the model's positions)
 * @param gradientCheckpointing recompute each block's activations in backward instead of keeping them
 * @param merge           also write the base with the adapter merged in, to {@code out/merged}
 * @param command         the command line, recorded in the run's summary
 * @param windows         split a plain text longer than {@code maxLength} into consecutive windows, so it is learnt
 *                        whole (as {@code distill} and {@code aqua}'s full fine-tuning do), instead of cutting it
 */
public record LoraFinetuneOptions(Path model, String baseFormat, Path data, Path validation, int rank, float alpha,
                                  float dropout, List<String> targets, LoraConfig.Bias bias, int maxLength,
                                  boolean gradientCheckpointing, TrainOptions training, Path out, boolean resume,
                                  boolean merge, String command, boolean windows) {
    /** Long texts cut at {@code maxLength}, as {@code finetune} does. */
    public LoraFinetuneOptions(Path model, String baseFormat, Path data, Path validation, int rank, float alpha,
                               float dropout, List<String> targets, LoraConfig.Bias bias, int maxLength,
                               boolean gradientCheckpointing, TrainOptions training, Path out, boolean resume,
                               boolean merge, String command) {
        this(model, baseFormat, data, validation, rank, alpha, dropout, targets, bias, maxLength, gradientCheckpointing,
                training, out, resume, merge, command, false);
    }

    public LoraFinetuneOptions {
        targets = List.copyOf(targets);
        if (maxLength < 0) {
            throw new IllegalArgumentException("the maximum length must be positive (or 0 for the default), got "
                    + maxLength);
        }
    }
}
