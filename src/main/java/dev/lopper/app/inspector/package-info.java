/**
 * The inspector: details of the selected node or tensor, and its view-model.
 */
package dev.lopper.app.inspector;
