/**
 * Dense FP32 tensors: a flat array and a shape, nothing more.
 * Everything that computes on them lives in {@code kernel} (arithmetic) or {@code nn} (layers).
 */
package dev.distillery.tensor;
