/**
 * The layers every family's blocks are built from, with forward and backward passes: the one
 * projection type {@link dev.distillery.nn.Linear} (a frozen weight of any format, or a trainable
 * FP32 master), embeddings, norms, dropout, activations, attention, and the blocks themselves,
 * each with one forward pass that serves inference (in place, scratch reused) and training
 * (activations kept for backward). All arithmetic is on {@code Kernels}.
 */
package dev.distillery.nn;
