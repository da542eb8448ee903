package dev.lopper.importance;

import java.util.List;
import java.util.Map;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.IndexMap;
import dev.lopper.analysis.Member;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.analysis.ParamSlice.Role;

/** Hand-built groups and weights shared by the importance tests. */
final class Groups {
    private Groups() {}

    static Weights.Tensor t(String name, long[] dims, float... v) { return new Weights.Tensor(name, v, dims); }

    static ParamSlice slice(String tensor, int axis, Role role) {
        return new ParamSlice("n_" + tensor, tensor, axis, IndexMap.IDENTITY, role);
    }

    static CoupledGroup group(String id, int channels, List<ParamSlice> slices) {
        return new CoupledGroup(id, channels, List.of(new Member("conv", "x", 1, IndexMap.IDENTITY)), slices, List.of(),
                1, 1, 1, 1);
    }

    /**
     * conv W [3,2,1,1] rows (1,-2) (3,4) (0,0.5); BN gamma (0.5,-2,1), beta 100s; consumer W2 [2,3] columns
     * (1,-1) (0,1) (2,0).
     */
    static final Map<String, Weights.Tensor> TENSORS = Map.of(
            "W", t("W", new long[] {3, 2, 1, 1}, 1, -2, 3, 4, 0, 0.5f),
            "gamma", t("gamma", new long[] {3}, 0.5f, -2, 1),
            "beta", t("beta", new long[] {3}, 100, 100, 100),
            "W2", t("W2", new long[] {2, 3}, 1, 0, 2, -1, 1, 0));

    static final CoupledGroup CONV_BN_CONV = group("g0", 3, List.of(
            slice("W", 0, Role.PRODUCER_WEIGHT), slice("gamma", 0, Role.NORM_SCALE),
            slice("beta", 0, Role.NORM_BIAS), slice("W2", 1, Role.CONSUMER_WEIGHT)));

    static final CoupledGroup CONV_CONV = group("g1", 3, List.of(
            slice("W", 0, Role.PRODUCER_WEIGHT), slice("W2", 1, Role.CONSUMER_WEIGHT)));

    static ScoringContext ctx(Reduction r) { return new ScoringContext(Weights.of(TENSORS), null, r, 7); }
}
