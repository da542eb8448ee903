/**
 * Lopper: structural pruning of ONNX models. {@code Main} starts the app or the CLI; the packages below are the layers
 * (task, onnx, graph, analysis, importance, eval, prune, then the front ends cli and app), each depending only downward.
 */
package dev.lopper;
