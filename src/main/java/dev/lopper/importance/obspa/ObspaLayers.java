package dev.lopper.importance.obspa;

import java.util.Optional;

import dev.lopper.importance.Weights;

/** Builds the OBS solver of one consumer layer from its weights and input moments. */
public final class ObspaLayers {
    private ObspaLayers() {}

    /**
     * @param layer      the consumer
     * @param solver     OBS over its columns (plus the bias column, last, when {@code biasColumn})
     * @param biasColumn true when the layer has a bias that compensation can move
     * @param moments    the input moments used (identity when none could be derived)
     * @param derived    false when identity H was used
     */
    public record Built(ConsumerLayer layer, ObsSolver solver, boolean biasColumn, InputMoments moments, boolean derived) { }

    public static Built build(ConsumerLayer layer, ObspaSource source, Weights weights) {
        float[] values = weights.get(layer.weight()).values();
        boolean withBias = layer.bias() != null;
        float[] b = withBias && layer.bias().initial() ? weights.get(layer.bias().tensor()).values() : null;
        double[][] m = layer.matrix(values, b, withBias);
        if (layer.groups() > 1) return grouped(layer, source, m, withBias);
        Optional<InputMoments> found = source.moments(layer);
        boolean derived = found.isPresent() && found.get().features() == layer.features();
        InputMoments im = derived ? found.get() : InputMoments.identity(layer.features());
        int f = layer.features();
        ObsSolver solver;
        if (f > InputMoments.MAX_DENSE_FEATURES) {
            double[] var = new double[f];
            for (int i = 0; i < f; i++) var[i] = im.variance(i);
            solver = new DiagonalObs(m, im.mean(), var, withBias ? f : -1);
        } else {
            solver = new ObsLayer(m, im.hessian(withBias), withBias ? f : -1, source.damping());
        }
        return new Built(layer, solver, withBias, im, derived);
    }

    private static ObsSolver solver(double[][] m, InputMoments im, boolean withBias, double damping) {
        int f = im.features();
        if (f > InputMoments.MAX_DENSE_FEATURES) {
            double[] var = new double[f];
            for (int i = 0; i < f; i++) var[i] = im.variance(i);
            return new DiagonalObs(m, im.mean(), var, withBias ? f : -1);
        }
        return new ObsLayer(m, im.hessian(withBias), withBias ? f : -1, damping);
    }

    /** A grouped conv: one solver per group, each with the moments of the channels its rows read. */
    private static Built grouped(ConsumerLayer layer, ObspaSource source, double[][] m, boolean withBias) {
        int groups = layer.groups(), per = layer.outputs() / groups;
        ObsSolver[] parts = new ObsSolver[groups];
        boolean derived = true;
        InputMoments first = null;
        for (int g = 0; g < groups; g++) {
            Optional<InputMoments> found = source.moments(layer, g);
            boolean ok = found.isPresent() && found.get().features() == layer.features();
            derived &= ok;
            InputMoments im = ok ? found.get() : InputMoments.identity(layer.features());
            if (first == null) first = im;
            double[][] rows = new double[per][];
            for (int r = 0; r < per; r++) rows[r] = m[g * per + r];
            parts[g] = solver(rows, im, withBias, source.damping());
        }
        return new Built(layer, new GroupedObs(parts, per, m[0].length), withBias, first, derived);
    }
}
