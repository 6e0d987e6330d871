/**
 * ONNX in both directions: imports encoder weights from ONNX files exported from PyTorch, recovering
 * Hugging Face tensor names and PyTorch layouts by walking the graph, and exports BERT and
 * DistilBERT classifiers, FP32 or quantized (the folder's own codes and scales, as DequantizeLinear,
 * MatMulNBits or MatMulBnb4), as graphs ONNX Runtime runs on its own. Reads and writes protobuf
 * only; nothing here runs a graph.
 */
package dev.distillery.onnx;
