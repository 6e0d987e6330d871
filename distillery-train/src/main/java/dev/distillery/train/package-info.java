/**
 * Fine-tuning: AdamW, the learning-rate schedule, gradient clipping, the epoch loop with validation,
 * early stopping, and checkpoints that let an interrupted run resume bit for bit.
 * The loop is generic over its {@link dev.distillery.train.LossFunction}, so distillation plugs in its own loss.
 */
package dev.distillery.train;
