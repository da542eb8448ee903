/**
 * Layered (Sugiyama) drawing of a graph as plain arrays, no JavaFX: the app's graph view draws what it computes. Depends on task only.
 */
package dev.lopper.graph.layout;
