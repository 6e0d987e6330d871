/**
 * Sentence embeddings: an encoder loaded with its tokenizer from one model argument, texts
 * batched by length, mean pooling and L2 normalisation as sentence-transformers does.
 */
package dev.distillery.embed;
