/**
 * Text to token ids and back, as Hugging Face tokenizers does it for the same file: WordPiece for the BERT
 * encoders, byte-level BPE (GPT-2, Llama 3, Qwen2, SmolLM2) and SentencePiece-style BPE with byte fallback (Llama 2,
 * llama2.c) for decoder LLMs, behind one {@link dev.distillery.tokenize.Tokenizer} interface that
 * {@link dev.distillery.tokenize.Tokenizers} builds from a tokenizer.json, vocab.txt or llama2.c tokenizer.bin, plus
 * chat templates written as data. It depends on nothing else in Distillery; models receive only the int arrays of an
 * {@link dev.distillery.tokenize.Encoding} or a {@link dev.distillery.tokenize.Batch}.
 */
package dev.distillery.tokenize;
