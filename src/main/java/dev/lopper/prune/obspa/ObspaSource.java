package dev.lopper.prune.obspa;

import java.util.Optional;

import dev.lopper.analysis.ParamSlice;
import dev.lopper.importance.ActivationStats;

/**
 * What OBSPA needs beyond weights: which layer a consumer weight slice belongs to (its matrix layout, input and
 * bias) and the moments of that layer's input. Passed to the criterion as the scoring context's
 * {@link ActivationStats} (it has no per-channel statistics of its own).
 */
public interface ObspaSource extends ActivationStats {
    /** The consumer layer behind a {@link ParamSlice.Role#CONSUMER_WEIGHT} slice, or empty when OBSPA cannot treat it. */
    Optional<ConsumerLayer> consumer(ParamSlice slice);

    /** Moments of the consumer's input features, or empty when they cannot be derived (then identity H). */
    Optional<InputMoments> moments(ConsumerLayer layer);

    /**
     * Moments of the input channels that group {@code group} of a grouped convolution reads ({@link ConsumerLayer#groups()}
     * > 1); for an ungrouped layer, group 0 is {@link #moments(ConsumerLayer)}.
     */
    default Optional<InputMoments> moments(ConsumerLayer layer, int group) {
        return layer.groups() == 1 && group == 0 ? moments(layer) : Optional.empty();
    }

    /**
     * The damped inverse of the H of {@link #moments(ConsumerLayer)} for an ungrouped layer (with or without the bias
     * column), computed by {@code compute} or, when a source keeps them, the one computed before for the same layer
     * (scoring and compensation read the same H). Never modified by callers.
     */
    default ObsLayer.Damped damped(ConsumerLayer layer, boolean withBias, java.util.function.Supplier<ObsLayer.Damped> compute) {
        return compute.get();
    }

    /** Relative damping λ (ε = λ · mean diag H). */
    default double damping() { return ObsLayer.DEFAULT_DAMPING; }

    /** Short description for score bases, e.g. "data-free moments". */
    String describe();

    @Override
    default Optional<Channels> channels(String tensor, int axis) { return Optional.empty(); }
}
