package dev.lopper.importance;

import dev.lopper.analysis.CoupledGroup;

/**
 * Scores every root channel of one coupled group. A criterion reads the group's {@link
 * dev.lopper.analysis.ParamSlice}s (by role, axis and index map) and, for calibration criteria, the
 * {@link ActivationStats} of the group's members; it never looks at op types, so a new op only needs a rule.
 * Scores are raw (not normalized); {@link ImportanceScorer} normalizes them.
 */
public interface ImportanceCriterion {
    /** The CLI / plan-file name, e.g. {@code "l1"}. */
    String id();

    /** One score per root channel (length {@code group.channels()}), higher = more important. */
    ChannelScores score(CoupledGroup group, ScoringContext context);

    /** Normalization used when the caller does not choose one. */
    default Normalization defaultNormalization() { return Normalization.MEAN; }

    /** True when the criterion needs {@link ActivationStats} (calibration data). */
    default boolean needsActivations() { return false; }
}
