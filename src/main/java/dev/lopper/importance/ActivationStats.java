package dev.lopper.importance;

import java.util.Optional;

/**
 * Per-channel statistics of activations seen on calibration data (produced by the eval package's
 * activation capture). Calibration criteria (mean activation, APoZ, Wanda) read these through a
 * group's members; weight-only criteria ignore them.
 */
public interface ActivationStats {
    /**
     * Statistics of {@code tensor} along {@code axis}: one entry per position on that axis,
     * each over every other axis and every calibration sample.
     *
     * @param mean         mean value
     * @param meanAbs      mean absolute value
     * @param l2           Euclidean norm ‖X_p‖₂ over all observed values
     * @param zeroFraction fraction of observed values that are exactly zero (≤ 0 after ReLU counts as zero)
     * @param std          standard deviation
     */
    record Channels(double[] mean, double[] meanAbs, double[] l2, double[] zeroFraction, double[] std) { }

    Optional<Channels> channels(String tensor, int axis);

    /** No statistics at all. */
    ActivationStats NONE = (t, a) -> Optional.empty();
}
