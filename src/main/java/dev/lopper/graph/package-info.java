/**
 * The standardized view of a model (ModelGraph, a JGraphT DAG): shape inference, constant evaluation, standardization, and the one definition of parameters and MACs (Metrics). Depends on onnx and task only.
 */
package dev.lopper.graph;
