/**
 * Transformer layers with forward and backward passes (Linear, Embedding, LayerNorm, dropout,
 * activations, multi-head self-attention, the post-LN encoder layer), all arithmetic on {@code Kernels}.
 * Inference forwards keep no state so threads may share a layer; training forwards return a trace
 * that the matching backward consumes, adding into each {@link dev.distillery.nn.Parameter}'s gradient.
 */
package dev.distillery.nn;
