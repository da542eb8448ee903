package dev.lopper.runtime;

/** Where a CSV row keeps its class label. */
public enum LabelColumn {
    FIRST, LAST, NONE
}
