package dev.distillery.train;

import dev.distillery.tensor.Tensor;

import java.util.Map;

/**
 * A training run frozen between two optimizer steps: the model's weights by Hugging Face name,
 * AdamW's step counts and moments (null in a weights-only "best" checkpoint) and the loop position.
 * Written and read by {@link CheckpointFile}.
 */
public record Checkpoint(TrainerState state, Map<String, Tensor> weights, AdamW.State optimizer) {
}
