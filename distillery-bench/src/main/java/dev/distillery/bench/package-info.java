/**
 * Measures Distillery against peers run in the same process on the same inputs and threads: ONNX
 * Runtime for whole encoders (the only package that calls it; the engine never does), and, in the
 * test tree, JMH suites and GEMM programs that pair each kernel with its scalar twin.
 */
package dev.distillery.bench;
