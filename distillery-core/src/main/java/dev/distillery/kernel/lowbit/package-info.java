/**
 * Linear-layer weights held in low-bit formats (INT8 per channel or per tensor, ggml Q8_0 and
 * Q4_0, NF4) and the Vector API GEMM that computes on them, unpacking one cache-sized tile of
 * codes at a time. Knows kernels only: formats arrive as the canonical arrays their quantizers
 * write, and no model type appears here.
 */
package dev.distillery.kernel.lowbit;
