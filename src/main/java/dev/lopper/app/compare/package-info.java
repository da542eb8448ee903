/**
 * The compare view: original and pruned graphs side by side with synchronized pan/zoom and per-node deltas
 * (channels, parameters, MACs, profiled time), and its view-model.
 */
package dev.lopper.app.compare;
