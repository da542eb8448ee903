/**
 * Optimal Brain Surgeon layer math (OBSPA): the criterion's scores from input moments, and the least-squares solve its compensation uses.
 */
package dev.lopper.importance.obspa;
