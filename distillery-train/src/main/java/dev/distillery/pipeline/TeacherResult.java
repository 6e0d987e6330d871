package dev.distillery.pipeline;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.Evaluation;
import dev.distillery.classify.Manifest;
import dev.distillery.train.TrainingResult;

/**
 * What a teacher run produced.
 *
 * @param validation scores of the kept model on validation data, or null without a validation file
 * @param test       scores on the test file, or null without one
 * @param stepsRun   optimizer steps taken in this process (fewer than the total after a resume)
 * @param trainSeconds wall time of those steps (forward, backward, optimizer, checkpoints; not validation)
 */
public record TeacherResult(Classifier classifier, Manifest manifest, TrainingResult training, Evaluation validation,
                            Evaluation test, int trainExamples, long stepsRun, double trainSeconds) {
    /** Mean wall time per optimizer step in this process, NaN when none ran. */
    public double secondsPerStep() {
        return stepsRun == 0 ? Double.NaN : trainSeconds / stepsRun;
    }
}
