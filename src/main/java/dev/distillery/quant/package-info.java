/**
 * Bit-exact quantization formats (INT8 affine and per-channel, ggml Q8_0 and Q4_0, bitsandbytes NF4
 * with and without double quantization, FP16 and BF16): quantizers, packed tensors in their
 * canonical layouts, and scalar reference dequantizers.
 * The kernels that compute on packed weights and the quantized checkpoint layout build on these
 * arrays; nothing here ever needs a dequantized copy of a whole tensor except for measuring error.
 */
package dev.distillery.quant;
