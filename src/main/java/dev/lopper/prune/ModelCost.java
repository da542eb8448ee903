package dev.lopper.prune;

/** Parameters and multiply-accumulates of a model. */
public record ModelCost(long params, long macs) {
    public double paramsFraction(ModelCost before) { return before.params == 0 ? 1 : (double) params / before.params; }

    public double macsFraction(ModelCost before) { return before.macs == 0 ? 1 : (double) macs / before.macs; }
}
