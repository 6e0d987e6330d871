/**
 * Multiple-choice question answering by a causal language model: the questions and their files, the
 * one prompt format that evaluation and fine-tuning share ({@link dev.distillery.eval.mcq.McqPrompt}),
 * and scoring by the log-likelihood of each option letter ({@link dev.distillery.eval.mcq.McqScorer}).
 * {@link dev.distillery.eval.mcq.McqEvaluation#run} is the entry point.
 */
package dev.distillery.eval.mcq;
