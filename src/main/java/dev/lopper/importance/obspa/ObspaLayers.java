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
}
