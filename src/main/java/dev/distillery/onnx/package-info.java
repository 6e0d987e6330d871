/**
 * Imports encoder weights from ONNX files exported from PyTorch, recovering Hugging Face tensor
 * names and PyTorch layouts by walking the graph. Reads protobuf only; nothing here runs a graph.
 */
package dev.distillery.onnx;
