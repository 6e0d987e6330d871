/**
 * Measures Distillery's encoder against a peer runtime, ONNX Runtime, run in the same process on
 * the same inputs and threads. Only this package calls ONNX Runtime; the engine never does.
 */
package dev.distillery.bench;
