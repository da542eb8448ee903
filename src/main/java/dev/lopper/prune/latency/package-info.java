/**
 * Latency targets: plans searched until the pruned model, timed against the original in ONNX Runtime, meets a
 * fraction of its latency; never a plan slower than the original.
 */
package dev.lopper.prune.latency;
