package dev.distillery.cli;

import picocli.CommandLine.Option;

/** How a training command checkpoints and resumes; train-teacher, distill, prune (its recovery) and finetune take it alike. */
final class CheckpointOptions {
    @Option(names = "--checkpoint-every", defaultValue = "100", paramLabel = "STEPS",
            description = "Checkpoint every this many optimizer steps, as well as after each epoch. Default: ${DEFAULT-VALUE}.")
    int checkpointEvery;

    @Option(names = "--resume",
            description = "Continue the interrupted run in OUT/.checkpoints; give the same inputs and options as before.")
    boolean resume;
}
