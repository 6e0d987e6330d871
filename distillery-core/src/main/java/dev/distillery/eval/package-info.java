/**
 * Evaluation metrics for classifiers: confusion matrices, accuracy, precision, recall and F1, ROC-AUC
 * and calibration (ECE, Brier score), returned as records.
 * Inputs are class indices and row-major probability arrays, so this package knows nothing of models or data files.
 */
package dev.distillery.eval;
