/**
 * The graph view: canvas drawing of the layered layout, pan/zoom, minimap, and its view-model.
 */
package dev.lopper.app.graph;
