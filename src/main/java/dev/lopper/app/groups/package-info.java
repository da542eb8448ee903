/**
 * The groups table and per-group ratio sliders, and their view-model.
 */
package dev.lopper.app.groups;
