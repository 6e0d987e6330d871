/**
 * Multiple-choice questions (the CyberMetric JSON-lines format of {@code datasets/cyber-mcq}) and
 * the one prompt they are put to a decoder with: the same text for scoring answers by
 * log-likelihood and for fine-tuning on them, so a fine-tuned model is asked what it was taught.
 */
package dev.distillery.eval.mcq;
