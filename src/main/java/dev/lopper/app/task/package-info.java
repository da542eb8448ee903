/**
 * Background tasks for view-models: running core work off the JavaFX thread with progress and cancellation.
 */
package dev.lopper.app.task;
