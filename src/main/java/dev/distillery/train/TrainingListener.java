package dev.distillery.train;

/**
 * Callbacks from the training loop, all on the training thread, for progress display and tests.
 * An exception thrown from a callback aborts training as a crash would; the last checkpoint
 * written before it lets {@link Trainer#resume} continue.
 */
public interface TrainingListener {
    TrainingListener NONE = new TrainingListener() {
    };

    /**
     * Before training, another model's validation scores to show beside the trained model's epochs,
     * such as the teacher's in distillation ({@link Trainer#validate}).
     */
    default void reference(String name, EpochSummary scores) {
    }

    /** @param epoch 1-based; {@code firstBatch} is above 0 when a resumed run starts mid-epoch */
    default void epochStarted(int epoch, int epochs, int batches, int firstBatch, int examples) {
    }

    /** After each micro-batch's backward pass. */
    default void batchDone(int epoch, int batch, int examples, float loss) {
    }

    /** After each optimizer step and the checkpoint it may trigger; {@code step} counts from 1. */
    default void stepDone(long step, double learningRate, float gradNorm) {
    }

    /** After validation and the epoch-end checkpoint. */
    default void epochDone(EpochSummary summary) {
    }
}
