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

    /** Both listeners, {@code first} called first on every event. */
    static TrainingListener both(TrainingListener first, TrainingListener second) {
        return new TrainingListener() {
            @Override
            public void epochStarted(int epoch, int epochs, int batches, int firstBatch, int examples) {
                first.epochStarted(epoch, epochs, batches, firstBatch, examples);
                second.epochStarted(epoch, epochs, batches, firstBatch, examples);
            }

            @Override
            public void batchDone(int epoch, int batch, int examples, float loss) {
                first.batchDone(epoch, batch, examples, loss);
                second.batchDone(epoch, batch, examples, loss);
            }

            @Override
            public void stepDone(long step, double learningRate, float gradNorm) {
                first.stepDone(step, learningRate, gradNorm);
                second.stepDone(step, learningRate, gradNorm);
            }

            @Override
            public void epochDone(EpochSummary summary) {
                first.epochDone(summary);
                second.epochDone(summary);
            }
        };
    }
}
