/**
 * The ONNX Runtime layer: sessions, random and data-set inputs, verification of a rewritten model, activation capture, latency, interleaved bench, profiling, accuracy. Depends on graph, onnx, task only (never on analysis, importance or prune).
 */
package dev.lopper.eval;
