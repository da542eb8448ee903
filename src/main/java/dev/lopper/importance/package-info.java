/**
 * Importance criteria (magnitude, BN scale, FPGM, LAMP, random, activation-based), reductions and normalizations: scores for every channel of every group. Depends on analysis, graph, onnx, task.
 */
package dev.lopper.importance;
