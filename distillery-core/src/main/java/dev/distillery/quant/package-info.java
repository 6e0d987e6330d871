/**
 * Bit-exact quantization formats (INT8 affine and per-channel, ggml Q8_0 and Q4_0, bitsandbytes NF4
 * with and without double quantization, FP16 and BF16) with their quantizers and reference
 * dequantizers, and quantized checkpoints: how packed tensors are named in safetensors, recorded
 * in the manifest, and handed to the low-bit kernels without ever being expanded to FP32.
 */
package dev.distillery.quant;
