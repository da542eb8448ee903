/**
 * Sensitivity analysis (the damage when only one group is pruned, per ratio, measured in ONNX Runtime through masked
 * consumer weights, cached per model and settings) and the allocator that turns it into per-group ratios for a target.
 */
package dev.lopper.prune.sensitivity;
