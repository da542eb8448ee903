/**
 * Sensitivity analysis: the damage (accuracy drop, else output error) when only one group is pruned at each ratio,
 * measured with ONNX Runtime on masked consumer weights over the downstream suffix of the graph, cached per model and
 * settings; and the allocator that turns a MACs/params target into per-group ratios of least predicted damage.
 */
package dev.lopper.prune.sensitivity;
