/**
 * llama2.c's original checkpoint format, read into a Llama config and Hugging Face tensor names with the rotary
 * rows permuted to Hugging Face's layout. The matching tokenizer.bin is read by
 * {@link dev.distillery.tokenize.Tokenizers#fromLlama2c}.
 */
package dev.distillery.io.llama2c;
