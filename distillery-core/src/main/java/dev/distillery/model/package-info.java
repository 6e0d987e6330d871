/**
 * BERT-family encoders and their heads: configuration, forward and backward passes.
 * Models know nothing of files; {@code io} maps checkpoints to and from them.
 */
package dev.distillery.model;
