package dev.distillery.pipeline;

import dev.distillery.lora.LoraConfig;
import dev.distillery.train.TrainingResult;

import java.nio.file.Path;

/**
 * What a {@link LoraFinetuning} run did.
 *
 * @param baseFormat   the format the frozen base was held in ("fp32", "nf4-dq", ...)
 * @param examples     training examples (texts of at least two tokens)
 * @param skipped      texts skipped for having fewer than two tokens
 * @param trainable    trained parameters (the adapters' A and B, trained biases)
 * @param modelBytes   bytes the model held while training (frozen base plus adapters)
 * @param stepsRun     optimizer steps this process ran (fewer than the total after a resume)
 * @param trainSeconds wall time of those steps
 * @param merged       the merged model folder, or null
 */
public record LoraFinetuneResult(LoraConfig lora, String baseFormat, int examples, int skipped, long trainable,
                                 long modelBytes, TrainingResult training, long stepsRun, double trainSeconds,
                                 Path adapter, Path merged) {
    public double secondsPerStep() {
        return stepsRun == 0 ? Double.NaN : trainSeconds / stepsRun;
    }
}
