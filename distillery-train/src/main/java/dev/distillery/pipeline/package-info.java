/**
 * End-to-end runs that commands start: read the data, build or load the model, train, evaluate
 * and save a classifier folder with its manifest, or a decoder folder for a distilled LLM
 * ({@link dev.distillery.pipeline.DecoderDistillation}). Each run is a plain method over an options record,
 * so the command line stays a thin shell and tests drive the same code.
 */
package dev.distillery.pipeline;
