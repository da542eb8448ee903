package dev.lopper.prune;

import java.nio.file.Path;

import dev.lopper.runtime.VerifyOptions;
import dev.lopper.importance.Criterion;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.prune.obspa.ObsLayer;
import dev.lopper.prune.obspa.MomentModel;

/**
 * Everything that decides a prune, as the CLI's options and the app's settings bar give it: one request, one
 * {@link PruningSession#plan(PruneRequest, dev.lopper.task.Progress)} and
 * {@link PruningSession#prune(PlanResult, dev.lopper.task.Progress)} for both front ends.
 *
 * @param scoring     criterion, reduction, normalization, seed (activation statistics and OBSPA moments are
 *                    filled in by the session when the criterion needs them)
 * @param settings    allocation, target, round-to, minimum channels, protected nodes, per-group ratios
 * @param compensate  OBS compensation (OBSPA least squares) before the channels are sliced away
 * @param calibration calibration data (.csv, .npy, .npz, image folder) for activation criteria and OBSPA moments,
 *                    or null (OBSPA then uses data-free moments)
 * @param damping     OBSPA's relative damping of H
 * @param verify      how the pruned model is verified in ONNX Runtime
 * @param lockFailing groups whose pruning fails verification are left whole and the rest is applied
 * @param moments     OBSPA's data-free moment model (full covariance or diagonal)
 * @param sequential  OBSPA's experimental sequential data-free compensation against the original model
 * @param calibrationSamples at most this many calibration samples ({@link dev.lopper.runtime.CalibrationData#ALL}: every one)
 * @param steps       progressive pruning: reach the ratio in this many steps, re-scoring by the measured change of
 *                    the outputs after each (1: one shot)
 */
public record PruneRequest(ScoringOptions scoring, PruningSettings settings, boolean compensate, Path calibration,
                           double damping, VerifyOptions verify, boolean lockFailing, MomentModel moments, boolean sequential,
                           long calibrationSamples, int steps) {
    public PruneRequest(ScoringOptions scoring, PruningSettings settings, boolean compensate, Path calibration,
                        double damping, VerifyOptions verify, boolean lockFailing) {
        this(scoring, settings, compensate, calibration, damping, verify, lockFailing, MomentModel.DEFAULT, false,
                dev.lopper.runtime.CalibrationData.ALL, 1);
    }

    /** Samples per ONNX Runtime run while capturing activation statistics on calibration data. */
    public static final int CALIBRATION_BATCH = 32;

    public PruneRequest {
        if (scoring == null) scoring = ScoringOptions.defaults();
        if (settings == null) throw new IllegalArgumentException("no pruning settings");
        if (verify == null) verify = VerifyOptions.DEFAULT;
        if (moments == null) moments = MomentModel.DEFAULT;
        if (calibrationSamples < 1) throw new IllegalArgumentException("calibration samples must be >= 1, got " + calibrationSamples);
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        if (!(damping >= 0) || Double.isInfinite(damping)) throw new IllegalArgumentException("damping must be a number >= 0, got " + damping);
    }

    /** Defaults: compensation on exactly for OBSPA, no calibration data, default damping and verification, no lock-failing. */
    public static PruneRequest of(ScoringOptions scoring, PruningSettings settings) {
        return new PruneRequest(scoring, settings, scoring != null && scoring.criterion() == Criterion.OBSPA, null,
                ObsLayer.DEFAULT_DAMPING, VerifyOptions.DEFAULT, false);
    }

    public PruneRequest withSettings(PruningSettings s) { return new PruneRequest(scoring, s, compensate, calibration, damping, verify, lockFailing, moments, sequential, calibrationSamples, steps); }

    public PruneRequest withCompensate(boolean on) { return new PruneRequest(scoring, settings, on, calibration, damping, verify, lockFailing, moments, sequential, calibrationSamples, steps); }

    public PruneRequest withCalibration(Path data) { return new PruneRequest(scoring, settings, compensate, data, damping, verify, lockFailing, moments, sequential, calibrationSamples, steps); }

    public PruneRequest withDamping(double d) { return new PruneRequest(scoring, settings, compensate, calibration, d, verify, lockFailing, moments, sequential, calibrationSamples, steps); }

    public PruneRequest withVerify(VerifyOptions v) { return new PruneRequest(scoring, settings, compensate, calibration, damping, v, lockFailing, moments, sequential, calibrationSamples, steps); }

    /** OBSPA's data-free moment model and sequential compensation. */
    public PruneRequest withMoments(MomentModel m, boolean seq) {
        return new PruneRequest(scoring, settings, compensate, calibration, damping, verify, lockFailing, m, seq, calibrationSamples, steps);
    }

    public PruneRequest withLockFailing(boolean on) { return new PruneRequest(scoring, settings, compensate, calibration, damping, verify, on, moments, sequential, calibrationSamples, steps); }

    /** At most {@code n} calibration samples. */
    public PruneRequest withCalibrationSamples(long n) {
        return new PruneRequest(scoring, settings, compensate, calibration, damping, verify, lockFailing, moments, sequential, n, steps);
    }

    /** Progressive pruning in {@code k} steps (1: one shot). */
    public PruneRequest withSteps(int k) {
        return new PruneRequest(scoring, settings, compensate, calibration, damping, verify, lockFailing, moments, sequential, calibrationSamples, k);
    }

    /** The calibration data as the eval layer reads it (null without). */
    public dev.lopper.runtime.CalibrationData calibrationData(java.util.Map<String, long[]> inputShapes) {
        return calibration == null ? null : new dev.lopper.runtime.CalibrationData(calibration, inputShapes, calibrationSamples);
    }
}
