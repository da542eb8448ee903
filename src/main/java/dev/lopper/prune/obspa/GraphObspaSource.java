package dev.lopper.prune.obspa;

import java.util.Map;
import java.util.Optional;

import dev.lopper.analysis.ParamSlice;
import dev.lopper.importance.obspa.ConsumerLayer;
import dev.lopper.importance.obspa.InputMoments;
import dev.lopper.importance.obspa.ObsLayer;
import dev.lopper.importance.obspa.ObspaSource;

/**
 * OBSPA's view of one model: consumer layers resolved from the graph, input moments from calibration data where
 * captured, else data-free propagation, else none (identity H).
 */
public final class GraphObspaSource implements ObspaSource {
    private final ConsumerResolver resolver;
    private final DataFreeMoments dataFree;
    private final Map<String, InputMoments> calibrated;
    private final double damping;
    private final String description;
    private final Calibration calibration;

    /**
     * Where calibration data comes from, so that compensation can re-measure inputs on the partly pruned model.
     *
     * @param data        the calibration file or folder
     * @param inputShapes sizes for dynamic input dims
     * @param maxSamples  at most this many samples
     */
    public record Calibration(java.nio.file.Path data, Map<String, long[]> inputShapes, long maxSamples) {
        public Calibration(java.nio.file.Path data, Map<String, long[]> inputShapes) {
            this(data, inputShapes, dev.lopper.eval.CalibrationData.ALL);
        }

        /** The same data as the eval package's {@link dev.lopper.eval.CalibrationData}. */
        public dev.lopper.eval.CalibrationData asCalibrationData() {
            return new dev.lopper.eval.CalibrationData(data, inputShapes, maxSamples);
        }
    }

    public GraphObspaSource(ConsumerResolver resolver, DataFreeMoments dataFree, Map<String, InputMoments> calibrated,
                            double damping, String description) {
        this(resolver, dataFree, calibrated, damping, description, null);
    }

    public GraphObspaSource(ConsumerResolver resolver, DataFreeMoments dataFree, Map<String, InputMoments> calibrated,
                            double damping, String description, Calibration calibration) {
        this.calibration = calibration;
        this.resolver = resolver;
        this.dataFree = dataFree;
        this.calibrated = Map.copyOf(calibrated);
        this.damping = damping;
        this.description = description;
    }

    /** Data-free moments only. */
    public static GraphObspaSource dataFree(ConsumerResolver resolver, DataFreeMoments moments) {
        return new GraphObspaSource(resolver, moments, Map.of(), ObsLayer.DEFAULT_DAMPING, "data-free moments");
    }

    public ConsumerResolver resolver() { return resolver; }

    /** The moments propagated without data (the fallback where nothing was measured). */
    public DataFreeMoments dataFreeMoments() { return dataFree; }

    /** Calibration data, or null when data-free. */
    public Calibration calibration() { return calibration; }

    /** The same source with other calibrated moments (re-measured on an edited model). */
    public GraphObspaSource withCalibrated(Map<String, InputMoments> moments) {
        return new GraphObspaSource(resolver, dataFree, moments, damping, description, calibration);
    }

    /** Consumer nodes whose moments come from calibration data. */
    public int calibratedCount() { return calibrated.size(); }

    @Override
    public Optional<ConsumerLayer> consumer(ParamSlice slice) { return resolver.resolve(slice); }

    @Override
    public Optional<InputMoments> moments(ConsumerLayer layer) {
        InputMoments c = calibrated.get(layer.node());
        if (c != null && c.features() == layer.features()) return Optional.of(c);
        if (dataFree == null) return Optional.empty();
        int axis = layer.dims().length > 2 ? 1 : -1;
        return dataFree.of(layer.input(), axis).filter(m -> m.size() == layer.positions()).map(m -> {
            int taps = layer.taps(), f = layer.features();
            double[] mu = new double[f], var = new double[f];
            for (int p = 0; p < layer.positions(); p++) {
                for (int t = 0; t < taps; t++) {
                    mu[p * taps + t] = m.mean()[p];
                    var[p * taps + t] = m.var()[p];
                }
            }
            return InputMoments.independent(mu, var, "data-free (from " + m.via() + ")");
        });
    }

    @Override
    public double damping() { return damping; }

    @Override
    public String describe() { return description; }

    public GraphObspaSource withDamping(double lambda) {
        return new GraphObspaSource(resolver, dataFree, calibrated, lambda, description, calibration);
    }
}
