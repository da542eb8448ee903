package dev.lopper.runtime;

/** Mean time per run of one graph node (its kernel), in microseconds. */
public record NodeTime(String node, String opType, double micros) {}
