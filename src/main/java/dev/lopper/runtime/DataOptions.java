package dev.lopper.runtime;

import java.nio.file.Path;

/**
 * How to read a data set.
 *
 * @param labelColumn CSV label position (default first)
 * @param labels      labels .npy for an .npy feature file, or null
 * @param image       image folder options
 */
public record DataOptions(LabelColumn labelColumn, Path labels, ImageOptions image) {
    public static final DataOptions DEFAULT = new DataOptions(LabelColumn.FIRST, null, ImageOptions.DEFAULT);
}
