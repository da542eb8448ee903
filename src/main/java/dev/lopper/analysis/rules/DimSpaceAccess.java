package dev.lopper.analysis.rules;

import dev.lopper.analysis.Dim;

/** Read access to dimension flags for rules. */
final class DimSpaceAccess {
    private DimSpaceAccess() {}

    static boolean hasChannel(Dim d) { return dev.lopper.analysis.DimInfo.hasChannel(d); }
}
