package dev.lopper.analysis.ops;

/** The family an op is drawn in (the app maps each to a colour); an op no definition names is {@link #OTHER}. */
public enum OpCategory {
    CONV, LINEAR, NORM, ACTIVATION, POOL, ELEMENTWISE, SHAPE, REDUCE, CONSTANT, CONTROL, OTHER
}
