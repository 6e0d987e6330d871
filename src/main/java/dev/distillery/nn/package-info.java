/**
 * Transformer layers with forward and backward passes: Linear, Embedding, LayerNorm, dropout,
 * activations, multi-head self-attention and the post-LN encoder layer, all on {@code Kernels}.
 * Inference forwards are stateless so threads may share a layer; training forwards return a trace
 * that the matching backward consumes, accumulating into each {@link dev.distillery.nn.Parameter}'s gradient.
 */
package dev.distillery.nn;
