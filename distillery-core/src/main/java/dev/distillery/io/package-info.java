/**
 * Files in and out: safetensors, Hugging Face checkpoint folders and their config.json, GGUF ({@code io.gguf}) and
 * llama2.c checkpoints ({@code io.llama2c}), the rotary row layouts between them, finding a model's tokenizer, and
 * the atomic-write helper every writer uses.
 * Parsers validate lengths, offsets and shapes before allocating, and report bad input as a
 * {@link dev.distillery.io.CheckpointFormatException} naming the file and the tensor or field.
 */
package dev.distillery.io;
