package dev.lopper.prune.sensitivity;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What removing part of each group alone does to the model.
 *
 * @param modelFile   file name of the model
 * @param sha256      the model file's SHA-256
 * @param settings    what was measured
 * @param metric      "accuracy" (the data has labels: damage = baseline accuracy − accuracy) or "fidelity"
 *                    (damage = relative L2 error of the outputs vs the original, LD-Pruner style)
 * @param baselineAccuracy top-1 accuracy of the original on the samples (NaN without labels)
 * @param totalMacs   MACs of the original (the session's cost counter)
 * @param totalParams parameters of the original
 * @param groups      one entry per prunable group, in the model's group order
 * @param seconds     wall time of the measurement
 */
public record SensitivityResult(String modelFile, String sha256, SensitivitySettings settings, String metric,
                                double baselineAccuracy, long totalMacs, long totalParams, List<Group> groups, double seconds) {
    public SensitivityResult {
        groups = List.copyOf(groups);
    }

    /**
     * One group's curve.
     *
     * @param status "exact" (removal = zeroed consumer columns), "approximate" (a node normalizes over the channels,
     *               so zeroing only approximates removal) or "not measured" (see reason)
     */
    public record Group(String id, int channels, String status, String reason, List<Point> points) {
        public Group {
            points = List.copyOf(points);
        }

        public boolean measured() { return !status.equals("not measured"); }

        /** Mean damage over the measured ratios (the ranking key: higher = more sensitive). */
        public double meanDamage() {
            return points.stream().mapToDouble(Point::damage).average().orElse(0);
        }
    }

    /**
     * One (group, ratio) measurement.
     *
     * @param ratio       requested fraction of the group's channels removed
     * @param removed     channels actually removed (⌊C·ratio⌋, at least one channel kept)
     * @param accuracy    top-1 accuracy of the model with them removed (NaN without labels)
     * @param cosine      worst cosine similarity of an output vs the original's
     * @param relL2       worst relative L2 error of an output vs the original's
     * @param damage      accuracy drop (with labels) or relL2 (without)
     * @param macsSaved   MACs removed (the session's cost counter)
     * @param paramsSaved parameters removed
     */
    public record Point(double ratio, int removed, double accuracy, double cosine, double relL2, double damage,
                        long macsSaved, long paramsSaved) { }

    public Optional<Group> group(String id) { return groups.stream().filter(g -> g.id().equals(id)).findFirst(); }

    /** Measured groups, most sensitive first (highest mean damage; ties: id). */
    public List<Group> ranking() {
        return groups.stream().filter(Group::measured)
                .sorted(Comparator.comparingDouble(Group::meanDamage).reversed().thenComparing(Group::id)).toList();
    }
}
