/**
 * The prune panel: settings, live plan, prune + verify, latency and accuracy charts, export, and its view-model.
 */
package dev.lopper.app.prune;
