/**
 * The evaluation layer, over the runtime layer: accuracy and fidelity of a model on a labelled data set with its
 * latency ({@code lopper eval}), and MAC counts of a model file. Prune never depends on it.
 */
package dev.lopper.eval;
