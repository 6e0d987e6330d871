/**
 * The DistilBERT family: its {@code DistilBertConfig} parsing, its one table of tensor names, its
 * block without dropout after attention, and its ReLU pre-classifier head.
 */
package dev.distillery.model.distilbert;
