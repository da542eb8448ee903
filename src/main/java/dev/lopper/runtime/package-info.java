/**
 * The ONNX Runtime layer, under prune: sessions and their configuration, host tensors, random and data-set inputs
 * (calibration data, batch feeds), verification of a rewritten model, activation capture, latency timing and the
 * interleaved bench, per-node profiling. Depends on graph, onnx, task only (never on analysis, importance, prune
 * or eval).
 */
package dev.lopper.runtime;
