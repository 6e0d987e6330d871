/**
 * Measures what compression cost: test metrics with calibration, what a student lost against its
 * teacher (missed threats, false-positive and false-negative deltas, rare classes), efficiency where the
 * user runs it, and adversarial robustness through a {@link dev.distillery.verify.RobustnessProbe}.
 * {@link dev.distillery.verify.Verification} produces one result record and
 * {@link dev.distillery.verify.ReportWriter} turns it into report.html, summary.md and summary.json.
 * For decoder LLMs, {@link dev.distillery.verify.McqVerification} scores multiple-choice questions with
 * their robustness and costs, and {@link dev.distillery.verify.AquaStudy} runs the AQUA-LLM study of
 * four configurations into aqua.json and aqua.html.
 */
package dev.distillery.verify;
