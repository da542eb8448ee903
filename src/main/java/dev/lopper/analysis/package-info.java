/**
 * Channel dependency analysis: which channels of which tensors must be pruned together (CoupledGroup), why a group is locked, and exact parameter/MAC counts after pruning (the Metrics terms evaluated with pruned sizes). Depends on graph, onnx, task.
 */
package dev.lopper.analysis;
