package dev.distillery.verify;

import dev.distillery.classify.Evaluation;
import dev.distillery.classify.Manifest;
import dev.distillery.eval.CalibrationReport;

import java.nio.file.Path;

/**
 * One model measured on the test file.
 *
 * @param name          folder name, made unique within the report
 * @param reference     true for the model the others are compared with (the teacher)
 * @param test          scores with the model's calibration applied, as predict and serve see them
 * @param uncalibrated  ECE, Brier and reliability bins of the same rows at T = 1
 * @param calibration   the saved temperature scaling, or null when the model has none
 * @param robustness    attack results, or null when not measured ({@code robustnessNote} says why)
 * @param probabilities calibrated class probabilities, {@code [rows, labels]}, for the comparisons
 */
public record ModelReport(String name, Path dir, boolean reference, Evaluation test, CalibrationReport uncalibrated,
                          Manifest.Calibration calibration, Efficiency efficiency, Robustness robustness,
                          String robustnessNote, float[] probabilities) {
}
