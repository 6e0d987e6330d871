/**
 * Files in and out: safetensors, Hugging Face checkpoint folders and their config.json, and the
 * atomic-write helper every writer uses.
 * Parsers validate lengths, offsets and shapes before allocating, and report bad input as a
 * {@link dev.distillery.io.CheckpointFormatException} naming the file and the tensor or field.
 */
package dev.distillery.io;
