/**
 * Text generation from causal language models: sampling (greedy, temperature, nucleus) and the
 * KV-cached decoding loop that streams text and measures tokens per second.
 */
package dev.distillery.generate;
