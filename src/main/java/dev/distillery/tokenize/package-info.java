/**
 * WordPiece tokenization as BERT does it: normalization, pre-tokenization, greedy sub-word matching
 * and the [CLS]/[SEP] template, loaded from vocab.txt or a Hugging Face tokenizer.json.
 * It depends on nothing else in Distillery, so ids produced here match Hugging Face's exactly and models only see int arrays.
 */
package dev.distillery.tokenize;
