/**
 * WordPiece tokenization as BERT does it, giving the ids of Hugging Face's tokenizers for a vocab.txt or a
 * tokenizer.json: normalization, pre-tokenization, greedy sub-word matching and the [CLS]/[SEP] template.
 * It depends on nothing else in Distillery; models receive only the int arrays of an {@link dev.distillery.tokenize.Encoding} or a {@link dev.distillery.tokenize.Batch}.
 */
package dev.distillery.tokenize;
