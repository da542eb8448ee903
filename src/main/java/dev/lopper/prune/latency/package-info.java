/**
 * Latency targets: searches plans until the pruned model, timed against the original in interleaved ONNX Runtime
 * runs on this machine, meets a fraction of the original's median latency, never returning one slower than it.
 */
package dev.lopper.prune.latency;
