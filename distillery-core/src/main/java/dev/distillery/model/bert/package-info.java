/**
 * The BERT family (and MiniLM, a BERT): its {@code BertConfig} parsing, its one table of tensor
 * names, its post-LN block with dropout after attention and FFN, and its tanh pooler head.
 */
package dev.distillery.model.bert;
