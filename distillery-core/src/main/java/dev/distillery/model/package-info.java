/**
 * Models as families of architectures: a registry ({@link dev.distillery.model.ModelFamilies}) of
 * family sub-packages, each owning its config, tensor-name table, blocks and heads, and the
 * family-independent pieces they build (backbones, heads, sequence classifier) that training,
 * pruning and serving speak to. Models know nothing of files; {@code io} maps checkpoints to and from them.
 */
package dev.distillery.model;
