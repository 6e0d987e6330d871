/**
 * Arithmetic on plain arrays: matrix products, softmax, layer norm, GELU, forward and backward.
 * A scalar reference and a Vector API implementation behind one interface; no model types here.
 */
package dev.distillery.kernel;
