/**
 * Progress reporting and cancellation shared by every layer; no JavaFX, no dependencies. The bottom layer.
 */
package dev.lopper.task;
