package dev.lopper.analysis;

import java.nio.file.Path;

/** Where the manifest models live (shared by tests in other packages). */
public final class ManifestGroupsTestAccess {
    private ManifestGroupsTestAccess() {}

    public static final Path MODELS = ManifestGroupsTest.MODELS;
}
