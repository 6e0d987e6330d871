/**
 * GGUF version 3 files (ggml's docs/gguf.md): a validating memory-mapped reader, a writer that round-trips every
 * tensor type bit for bit, and the tokenizer kept in the metadata. Bad input is one
 * {@link dev.distillery.io.CheckpointFormatException} naming the file and what is wrong.
 */
package dev.distillery.io.gguf;
