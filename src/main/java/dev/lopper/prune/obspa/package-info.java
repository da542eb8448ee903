/**
 * OBSPA for a session: input moments (data-free or calibrated) and the compensation step run before channels are sliced away.
 */
package dev.lopper.prune.obspa;
