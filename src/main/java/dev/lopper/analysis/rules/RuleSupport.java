package dev.lopper.analysis.rules;

import java.util.ArrayList;
import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.DimSpace;
import dev.lopper.analysis.OpRule.RuleFailure;
import dev.lopper.graph.Node;

/** Helpers shared by the rules. */
final class RuleSupport {
    private RuleSupport() {}

    static int axis(long axis, int rank, Node n) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new RuleFailure("axis " + axis + " out of range at node '" + n.name() + "'");
        return (int) a;
    }

    /** Integers from an attribute (older opsets) or an input (newer opsets); null when absent. */
    static long[] intsFromAttrOrInput(Node n, AnalysisContext ctx, String attr, int input) {
        long[] v = n.attrInts(attr);
        if (v != null) return v;
        String t = n.input(input);
        if (t.isEmpty()) return null;
        long[] c = ctx.longs(t);
        if (c == null) throw new RuleFailure("'" + attr + "' of node '" + n.name() + "' is computed at run time");
        return c;
    }

    static Dim[] copy(Dim[] d) { return d.clone(); }

    /**
     * Numpy broadcasting: dims aligned right are unified unless one of them is a known 1.
     * Returns the output dims.
     */
    static Dim[] broadcast(List<Dim[]> operands, AnalysisContext ctx, Node n) {
        int rank = 0;
        for (Dim[] d : operands) rank = Math.max(rank, d.length);
        Dim[] out = new Dim[rank];
        for (int j = 1; j <= rank; j++) {
            Dim first = null;
            Dim anyOne = null;
            for (Dim[] d : operands) {
                if (d.length < j) continue;
                Dim x = d[d.length - j];
                if (x.size() == 1) { if (anyOne == null) anyOne = x; continue; }
                if (first == null) first = x;
                else ctx.unify(first, x, n.name());
            }
            out[rank - j] = first != null ? first : anyOne;
        }
        return out;
    }

    /** True when any leaf under d is a channel dimension. */
    static boolean hasChannel(Dim d) {
        return DimSpaceAccess.hasChannel(d);
    }

    static Dim[] without(Dim[] d, int axis) {
        Dim[] r = new Dim[d.length - 1];
        for (int i = 0, k = 0; i < d.length; i++) if (i != axis) r[k++] = d[i];
        return r;
    }

    /** Output spatial size of a conv/pool window. */
    static long windowOut(long in, long k, long stride, long dil, long padBegin, long padEnd, String autoPad, boolean ceil) {
        if (in < 0) return -1;
        long ek = (k - 1) * dil + 1;
        if (autoPad.equals("SAME_UPPER") || autoPad.equals("SAME_LOWER")) return (in + stride - 1) / stride;
        if (autoPad.equals("VALID")) return (in - ek) / stride + 1;
        long num = in + padBegin + padEnd - ek;
        if (num < 0) return -1;
        return ceil ? (num + stride - 1) / stride + 1 : num / stride + 1;
    }

    /** Spatial output dims of a sliding window op (Conv, pools); kernel from attr or weight dims. */
    static Dim[] windowDims(Node n, AnalysisContext ctx, Dim[] x, long[] kernel, boolean ceil) {
        int sp = x.length - 2;
        long[] strides = n.attrInts("strides");
        long[] dil = n.attrInts("dilations");
        long[] pads = n.attrInts("pads");
        String autoPad = n.attrString("auto_pad", "NOTSET");
        Dim[] out = new Dim[sp];
        for (int i = 0; i < sp; i++) {
            long s = strides == null ? 1 : strides[i];
            long d = dil == null ? 1 : dil[i];
            long pb = pads == null ? 0 : pads[i];
            long pe = pads == null ? 0 : pads[i + sp];
            long k = kernel[i];
            if (k == 1 && s == 1 && pb == 0 && pe == 0) { out[i] = x[i + 2]; continue; }
            out[i] = ctx.fresh(windowOut(x[i + 2].size(), k, s, d, pb, pe, autoPad, ceil));
        }
        return out;
    }

    static List<Dim> list(Dim... d) { return new ArrayList<>(List.of(d)); }

    static boolean same(Dim a, Dim b) { return DimSpace.same(a, b); }
}
