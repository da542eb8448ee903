/**
 * The pruning engine both front ends call: PruningSession (plan with PruneRequest, prune, write), allocator and planner on exact counts, plan files, the rewriter (PlanApplier) and verification. Depends on analysis, importance, eval, graph, onnx, task.
 */
package dev.lopper.prune;
