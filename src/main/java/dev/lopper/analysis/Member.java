package dev.lopper.analysis;

/**
 * One place a group's channels appear: a tensor (activation or constant) of a node, along an axis,
 * with the mapping from the group's root channels to positions on that axis.
 */
public record Member(String node, String tensor, int axis, IndexMap map) { }
