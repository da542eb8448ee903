package dev.lopper.importance;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.IndexMap;
import dev.lopper.analysis.ParamSlice;

/**
 * Bulk arithmetic over a parameter slice: element (o, p, i) of a tensor with the slice's axis at p lies at
 * {@code (o * dim + p) * inner + i}. Per-position sums are computed in one pass over the tensor, then
 * gathered per root channel through the slice's {@link IndexMap}.
 */
public final class SliceMath {
    private SliceMath() {}

    /** What is summed per position. */
    public enum Measure { ABS, SQUARE }

    /** Slices of the group whose role is one of {@code roles}, in group order. */
    public static List<ParamSlice> slices(CoupledGroup g, Set<ParamSlice.Role> roles) {
        List<ParamSlice> out = new ArrayList<>();
        for (ParamSlice s : g.slices()) if (roles.contains(s.role())) out.add(s);
        return out;
    }

    /** Σ over every element at position p of {@code axis}, of |x| or x². */
    public static double[] perPosition(Weights.Tensor t, int axis, Measure m) {
        int ax = normalizeAxis(t, axis);
        int outer = t.outer(ax), dim = t.dim(ax), inner = t.inner(ax);
        float[] v = t.values();
        double[] out = new double[dim];
        int k = 0;
        for (int o = 0; o < outer; o++) {
            for (int p = 0; p < dim; p++) {
                double acc = 0;
                if (m == Measure.ABS) for (int i = 0; i < inner; i++) acc += Math.abs(v[k++]);
                else for (int i = 0; i < inner; i++) {
                    double x = v[k++];
                    acc += x * x;
                }
                out[p] += acc;
            }
        }
        return out;
    }

    /** Per root channel: Σ of {@code perPosition} over the channel's positions in {@code map}. */
    public static double[] perChannel(double[] perPosition, int channels, IndexMap map, ParamSlice where) {
        double[] out = new double[channels];
        for (int c = 0; c < channels; c++) {
            double acc = 0;
            for (int p : map.indicesOf(c)) {
                if (p >= perPosition.length) {
                    throw new IllegalArgumentException("slice " + where.tensor() + " axis " + where.axis()
                            + ": channel " + c + " maps to position " + p + " but the axis has " + perPosition.length);
                }
                acc += perPosition[p];
            }
            out[c] = acc;
        }
        return out;
    }

    /** Σ|x| (ABS) or Σx² (SQUARE) over everything root channel c owns in the slice. */
    public static double[] channelSums(CoupledGroup g, ParamSlice s, Weights w, Measure m) {
        Weights.Tensor t = w.get(s.tensor());
        return perChannel(perPosition(t, s.axis(), m), g.channels(), s.map(), s);
    }

    /** Row c = every element root channel c owns in the slice (positions in map order, then outer, inner). */
    public static float[][] channelVectors(CoupledGroup g, ParamSlice s, Weights w) {
        Weights.Tensor t = w.get(s.tensor());
        int ax = normalizeAxis(t, s.axis());
        int outer = t.outer(ax), dim = t.dim(ax), inner = t.inner(ax);
        float[] v = t.values();
        float[][] rows = new float[g.channels()][];
        for (int c = 0; c < g.channels(); c++) {
            int[] pos = s.map().indicesOf(c);
            float[] r = new float[pos.length * outer * inner];
            int k = 0;
            for (int p : pos) {
                if (p >= dim) throw new IllegalArgumentException("slice " + s.tensor() + " axis " + s.axis()
                        + ": channel " + c + " maps to position " + p + " but the axis has " + dim);
                for (int o = 0; o < outer; o++) {
                    System.arraycopy(v, (o * dim + p) * inner, r, k, inner);
                    k += inner;
                }
            }
            rows[c] = r;
        }
        return rows;
    }

    static int normalizeAxis(Weights.Tensor t, int axis) {
        int ax = axis < 0 ? axis + t.rank() : axis;
        if (ax < 0 || ax >= t.rank()) {
            throw new IllegalArgumentException("slice axis " + axis + " is outside tensor " + t);
        }
        return ax;
    }
}
