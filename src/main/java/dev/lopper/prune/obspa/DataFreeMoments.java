package dev.lopper.prune.obspa;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoubleUnaryOperator;

import dev.lopper.analysis.ops.MomentView;
import dev.lopper.analysis.ops.OpDefinition;
import dev.lopper.analysis.ops.Ops;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.graph.Shape;
import dev.lopper.importance.Weights;

/**
 * Data-free activation moments: per-channel mean and variance propagated through the graph from normalization
 * statistics, with no calibration data.
 * <ul>
 *   <li>BatchNormalization / InstanceNormalization output: mean β, variance γ² per channel (axis 1).
 *       LayerNormalization over the last axis: mean β, variance γ² per feature.</li>
 *   <li>ReLU: rectified-Gaussian closed form; GELU, SiLU (also x·Sigmoid(x)), Sigmoid, Tanh, LeakyRelu, Elu,
 *       Softplus, HardSigmoid, HardSwish, Clip: Gaussian integrals of the function (inputs taken as Gaussian).</li>
 *   <li>Conv / Gemm / MatMul with constant weights: μ' = Wμ + b, Var' = W² Var (diagonal approximation: inputs,
 *       and kernel taps, independent — the output correlations are dropped).</li>
 *   <li>Add/Sub of two activations: means add, variances add (independence); with a constant, or Mul/Div by one:
 *       shift/scale per channel.</li>
 *   <li>MaxPool: maximum of n = kernel area independent Gaussians; AveragePool / GlobalAveragePool: mean kept,
 *       variance / n (independent positions); Flatten, Reshape to [N, C], Transpose, Concat on the channel
 *       axis: re-indexed.</li>
 * </ul>
 * Anything else (graph inputs, attention, Softmax, Gather, unknown ops) has no moments, and consumers of such
 * tensors fall back to identity H. The assumptions (Gaussian, independent channels and positions) are the price
 * of needing no data; they are documented in docs-snippets/obspa.md.
 */
public final class DataFreeMoments {
    private final ModelGraph graph;
    private final Weights weights;
    private final Map<String, ChannelMoments> moments = new HashMap<>();

    /**
     * The moments of a node's output, by its op's {@link MomentView} (null when the view is one this propagator has no
     * rule for: Unsqueeze, Gather).
     */
    private ChannelMoments apply(MomentView view, Node n) {
        return switch (view.kind()) {
            case NORM_BATCH, NORM_INSTANCE -> normalization(n, 1);
            case NORM_LAYER -> layerNorm(n);
            case RELU -> map(n, GaussianMoments::relu);
            case LEAKY_RELU -> {
                double a = n.attrFloat("alpha", 0.01f);
                yield map(n, (mu, v) -> GaussianMoments.of(x -> x >= 0 ? x : a * x, mu, v));
            }
            case CLIP -> clip(n);
            case UNARY -> {
                DoubleUnaryOperator f = view.fn();
                yield map(n, (mu, v) -> GaussianMoments.of(f, mu, v));
            }
            case PASS_THROUGH -> get(n.input(0));
            case ADD -> addSub(n, 1);
            case SUB -> addSub(n, -1);
            case MUL -> mul(n);
            case DIV -> div(n);
            case MAX_POOL -> pool(n, true);
            case AVERAGE_POOL -> pool(n, false);
            case GLOBAL_AVERAGE_POOL -> globalPool(n, false);
            case GLOBAL_MAX_POOL -> globalPool(n, true);
            case FLATTEN -> flatten(n);
            case RESHAPE -> reshape(n);
            case TRANSPOSE -> transpose(n);
            case CONCAT -> concat(n);
            case LINEAR_CONV -> conv(n);
            case LINEAR_GEMM -> gemm(n);
            case LINEAR_MATMUL -> matmul(n);
            case UNSQUEEZE, GATHER -> null;
        };
    }

    private DataFreeMoments(ModelGraph graph, Weights weights) {
        this.graph = graph;
        this.weights = weights;
    }

    /** Propagates moments through the whole graph (nodes in topological order). */
    public static DataFreeMoments of(ModelGraph graph, Weights weights) {
        DataFreeMoments m = new DataFreeMoments(graph, weights);
        for (Node n : graph.nodes()) {
            MomentView view = Ops.moments(n.opType());
            if (view == null || !n.isDefaultDomain() && !n.domain().equals(OpDefinition.MS)) continue;
            ChannelMoments out;
            try {
                out = m.apply(view, n);
            } catch (RuntimeException e) {
                out = null; // a shape or constant we cannot read: no moments
            }
            if (out != null && !n.output(0).isEmpty()) m.moments.put(n.output(0), out);
        }
        return m;
    }

    /** Moments of a tensor along {@code axis} (negative from the end), if derived. */
    public Optional<ChannelMoments> of(String tensor, int axis) {
        ChannelMoments c = moments.get(graph.resolve(tensor));
        if (c == null) return Optional.empty();
        int rank = graph.shape(tensor).rank();
        int a = axis < 0 && rank > 0 ? axis + rank : axis;
        return c.axis() == a ? Optional.of(c) : Optional.empty();
    }

    /** Tensors with derived moments. */
    public int size() { return moments.size(); }

    // ---- rules ----

    private ChannelMoments get(String t) { return t.isEmpty() ? null : moments.get(graph.resolve(t)); }

    private float[] constant(String t) {
        if (t.isEmpty() || !graph.isConstant(t)) return null;
        return weights.get(t).values();
    }

    private int rank(String t) { return graph.shape(t).rank(); }

    private ChannelMoments normalization(Node n, int axis) {
        float[] gamma = constant(n.input(1)), beta = constant(n.input(2));
        if (gamma == null || beta == null || gamma.length != beta.length) return null;
        double[] mu = new double[gamma.length], var = new double[gamma.length];
        for (int c = 0; c < mu.length; c++) {
            mu[c] = beta[c];
            var[c] = (double) gamma[c] * gamma[c];
        }
        return new ChannelMoments(axis, mu, var, n.opType() + " " + n.name());
    }

    private ChannelMoments layerNorm(Node n) {
        int rank = rank(n.input(0));
        if (rank < 1) return null;
        long axis = n.attrInt("axis", -1);
        if (axis < 0) axis += rank;
        if (axis != rank - 1) return null;
        float[] gamma = constant(n.input(1));
        if (gamma == null) return null;
        float[] beta = n.input(2).isEmpty() ? new float[gamma.length] : constant(n.input(2));
        if (beta == null) return null;
        int c = (int) graph.shape(n.input(0)).dim(rank - 1);
        if (c <= 0) c = gamma.length;
        double[] mu = new double[c], var = new double[c];
        for (int i = 0; i < c; i++) {
            double g = gamma.length == 1 ? gamma[0] : gamma[i];
            mu[i] = beta.length == 1 ? beta[0] : beta[i];
            var[i] = g * g;
        }
        return new ChannelMoments(rank - 1, mu, var, "LayerNormalization " + n.name());
    }

    private interface Fn2 { double[] apply(double mean, double var); }

    private ChannelMoments map(Node n, Fn2 f) {
        ChannelMoments in = get(n.input(0));
        if (in == null) return null;
        double[] mu = new double[in.size()], var = new double[in.size()];
        for (int c = 0; c < mu.length; c++) {
            double[] r = f.apply(in.mean()[c], in.var()[c]);
            mu[c] = r[0];
            var[c] = r[1];
        }
        return new ChannelMoments(in.axis(), mu, var, in.via());
    }

    private ChannelMoments clip(Node n) {
        double lo = Double.NEGATIVE_INFINITY, hi = Double.POSITIVE_INFINITY;
        if (n.hasAttribute("min")) lo = n.attrFloat("min", 0);
        if (n.hasAttribute("max")) hi = n.attrFloat("max", 0);
        float[] a = constant(n.input(1)), b = constant(n.input(2));
        if (a != null && a.length == 1) lo = a[0];
        if (b != null && b.length == 1) hi = b[0];
        double l = lo, h = hi;
        return map(n, (mu, v) -> GaussianMoments.of(x -> Math.max(l, Math.min(h, x)), mu, v));
    }

    /** Per-channel values of a constant broadcast against an activation with moments on {@code axis}, or null. */
    private double[] perChannel(String t, String activation, ChannelMoments in) {
        float[] v = constant(t);
        if (v == null) return null;
        if (v.length == 1) {
            double[] r = new double[in.size()];
            java.util.Arrays.fill(r, v[0]);
            return r;
        }
        if (v.length != in.size()) return null;
        long[] dims = dev.lopper.onnx.Tensors.dims(graph.constant(t));
        int rank = rank(activation);
        if (rank < 0 || dims.length > rank) return null;
        // right-aligned: the only non-1 dim must sit on the moments' axis
        for (int i = 0; i < dims.length; i++) {
            int a = rank - dims.length + i;
            if (dims[i] != 1 && a != in.axis()) return null;
        }
        double[] r = new double[v.length];
        for (int i = 0; i < r.length; i++) r[i] = v[i];
        return r;
    }

    private ChannelMoments addSub(Node n, int sign) {
        ChannelMoments a = get(n.input(0)), b = get(n.input(1));
        if (a != null && b != null) {
            if (a.axis() != b.axis() || a.size() != b.size()) return null;
            double[] mu = new double[a.size()], var = new double[a.size()];
            for (int c = 0; c < mu.length; c++) {
                mu[c] = a.mean()[c] + sign * b.mean()[c];
                var[c] = a.var()[c] + b.var()[c];
            }
            return new ChannelMoments(a.axis(), mu, var, a.via());
        }
        if (a != null) {
            double[] k = perChannel(n.input(1), n.input(0), a);
            if (k == null) return null;
            double[] mu = a.mean().clone();
            for (int c = 0; c < mu.length; c++) mu[c] += sign * k[c];
            return new ChannelMoments(a.axis(), mu, a.var().clone(), a.via());
        }
        if (b != null) {
            double[] k = perChannel(n.input(0), n.input(1), b);
            if (k == null) return null;
            double[] mu = new double[b.size()];
            for (int c = 0; c < mu.length; c++) mu[c] = k[c] + sign * b.mean()[c];
            return new ChannelMoments(b.axis(), mu, b.var().clone(), b.via());
        }
        return null;
    }

    private ChannelMoments scale(ChannelMoments in, double[] k) {
        double[] mu = new double[in.size()], var = new double[in.size()];
        for (int c = 0; c < mu.length; c++) {
            mu[c] = in.mean()[c] * k[c];
            var[c] = in.var()[c] * k[c] * k[c];
        }
        return new ChannelMoments(in.axis(), mu, var, in.via());
    }

    private ChannelMoments mul(Node n) {
        ChannelMoments a = get(n.input(0)), b = get(n.input(1));
        // x · Sigmoid(x) = SiLU
        for (int i = 0; i < 2; i++) {
            String x = n.input(i), s = n.input(1 - i);
            Node p = graph.producer(s).orElse(null);
            if (p != null && Ops.moments(p.opType()) == MomentView.SIGMOID && p.input(0).equals(x) && get(x) != null) {
                DoubleUnaryOperator silu = MomentView.SILU.fn();
                return map(n.withInputs(java.util.List.of(x)), (mu, v) -> GaussianMoments.of(silu, mu, v));
            }
        }
        if (a != null && b == null) {
            double[] k = perChannel(n.input(1), n.input(0), a);
            return k == null ? null : scale(a, k);
        }
        if (b != null && a == null) {
            double[] k = perChannel(n.input(0), n.input(1), b);
            return k == null ? null : scale(b, k);
        }
        return null;
    }

    private ChannelMoments div(Node n) {
        ChannelMoments a = get(n.input(0));
        if (a == null) return null;
        double[] k = perChannel(n.input(1), n.input(0), a);
        if (k == null) return null;
        for (int c = 0; c < k.length; c++) {
            if (k[c] == 0) return null;
            k[c] = 1 / k[c];
        }
        return scale(a, k);
    }

    private ChannelMoments pool(Node n, boolean max) {
        ChannelMoments in = get(n.input(0));
        if (in == null || in.axis() != 1) return null;
        long[] k = n.attrInts("kernel_shape");
        if (k == null || k.length == 0) return null;
        int area = 1;
        for (long x : k) area *= (int) x;
        return poolOver(in, area, max);
    }

    private ChannelMoments globalPool(Node n, boolean max) {
        ChannelMoments in = get(n.input(0));
        if (in == null || in.axis() != 1) return null;
        Shape s = graph.shape(n.input(0));
        if (!s.hasRank()) return null;
        long area = 1;
        for (int i = 2; i < s.rank(); i++) {
            if (s.dim(i) <= 0) return null;
            area *= s.dim(i);
        }
        return poolOver(in, (int) area, max);
    }

    private static ChannelMoments poolOver(ChannelMoments in, int area, boolean max) {
        double[] mu = new double[in.size()], var = new double[in.size()];
        for (int c = 0; c < mu.length; c++) {
            if (max) {
                double[] r = GaussianMoments.maxOf(area, in.mean()[c], in.var()[c]);
                mu[c] = r[0];
                var[c] = r[1];
            } else {
                mu[c] = in.mean()[c];
                var[c] = in.var()[c] / Math.max(1, area);
            }
        }
        return new ChannelMoments(in.axis(), mu, var, in.via());
    }

    private ChannelMoments flatten(Node n) {
        ChannelMoments in = get(n.input(0));
        if (in == null || in.axis() != 1) return null;
        long axis = n.attrInt("axis", 1);
        if (axis != 1) return null;
        Shape s = graph.shape(n.input(0));
        if (!s.hasRank()) return null;
        long inner = 1;
        for (int i = 2; i < s.rank(); i++) {
            if (s.dim(i) <= 0) return null;
            inner *= s.dim(i);
        }
        return repeat(in, (int) inner);
    }

    private static ChannelMoments repeat(ChannelMoments in, int inner) {
        double[] mu = new double[in.size() * inner], var = new double[in.size() * inner];
        for (int c = 0; c < in.size(); c++) {
            for (int j = 0; j < inner; j++) {
                mu[c * inner + j] = in.mean()[c];
                var[c * inner + j] = in.var()[c];
            }
        }
        return new ChannelMoments(1, mu, var, in.via());
    }

    /** Reshape/Squeeze that only drops size-1 dims around the channel axis, or keeps the last axis. */
    private ChannelMoments reshape(Node n) {
        ChannelMoments in = get(n.input(0));
        if (in == null) return null;
        Shape si = graph.shape(n.input(0)), so = graph.shape(n.output(0));
        if (!si.hasRank() || !so.hasRank() || so.rank() < 1) return null;
        if (in.axis() == si.rank() - 1 && so.dim(so.rank() - 1) == in.size()) {
            return new ChannelMoments(so.rank() - 1, in.mean(), in.var(), in.via());
        }
        if (in.axis() == 1 && so.rank() == 2 && so.dim(1) == in.size()) {
            for (int i = 2; i < si.rank(); i++) if (si.dim(i) != 1) return null;
            return new ChannelMoments(1, in.mean(), in.var(), in.via());
        }
        return null;
    }

    private ChannelMoments transpose(Node n) {
        ChannelMoments in = get(n.input(0));
        if (in == null) return null;
        long[] perm = n.attrInts("perm");
        int rank = rank(n.input(0));
        if (perm == null || perm.length == 0) {
            perm = new long[rank];
            for (int i = 0; i < rank; i++) perm[i] = rank - 1 - i;
        }
        for (int i = 0; i < perm.length; i++) {
            if (perm[i] == in.axis()) return new ChannelMoments(i, in.mean(), in.var(), in.via());
        }
        return null;
    }

    private ChannelMoments concat(Node n) {
        int rank = rank(n.output(0));
        long axis = n.attrInt("axis", 1);
        if (axis < 0) axis += rank;
        int total = 0;
        ChannelMoments first = null;
        for (String t : n.inputs()) {
            ChannelMoments m = get(t);
            if (m == null || m.axis() != axis) return null;
            if (first == null) first = m;
            total += m.size();
        }
        if (first == null) return null;
        double[] mu = new double[total], var = new double[total];
        int k = 0;
        for (String t : n.inputs()) {
            ChannelMoments m = get(t);
            System.arraycopy(m.mean(), 0, mu, k, m.size());
            System.arraycopy(m.var(), 0, var, k, m.size());
            k += m.size();
        }
        return new ChannelMoments((int) axis, mu, var, first.via());
    }

    /** Conv with constant weight [O, C/g, k...]: μ'_o = b_o + Σ w μ, Var'_o = Σ w² Var (independent taps). */
    private ChannelMoments conv(Node n) {
        ChannelMoments in = get(n.input(0));
        float[] w = constant(n.input(1));
        if (in == null || in.axis() != 1 || w == null) return null;
        long[] dims = dev.lopper.onnx.Tensors.dims(graph.constant(n.input(1)));
        int o = (int) dims[0], cg = (int) dims[1];
        int taps = 1;
        for (int i = 2; i < dims.length; i++) taps *= (int) dims[i];
        int groups = (int) n.attrInt("group", 1);
        if (cg * groups != in.size() || o % groups != 0) return null;
        float[] b = constant(n.input(2));
        double[] mu = new double[o], var = new double[o];
        int perGroupOut = o / groups;
        for (int r = 0; r < o; r++) {
            int g = r / perGroupOut;
            double m = b != null && b.length == o ? b[r] : 0, v = 0;
            for (int c = 0; c < cg; c++) {
                int ch = g * cg + c;
                for (int t = 0; t < taps; t++) {
                    double x = w[(r * cg + c) * taps + t];
                    m += x * in.mean()[ch];
                    v += x * x * in.var()[ch];
                }
            }
            mu[r] = m;
            var[r] = v;
        }
        return new ChannelMoments(1, mu, var, in.via());
    }

    private ChannelMoments dense(ChannelMoments in, float[] w, int rows, int cols, boolean transposed, float[] bias, int axis) {
        // y_o = Σ_i W[o, i] x_i (+ b_o); W stored [rows=in, cols=out] unless transposed ([out, in])
        int out = transposed ? rows : cols, inF = transposed ? cols : rows;
        if (inF != in.size()) return null;
        double[] mu = new double[out], var = new double[out];
        for (int r = 0; r < out; r++) {
            double m = bias != null && bias.length == out ? bias[r] : bias != null && bias.length == 1 ? bias[0] : 0, v = 0;
            for (int i = 0; i < inF; i++) {
                double x = transposed ? w[r * inF + i] : w[i * out + r];
                m += x * in.mean()[i];
                v += x * x * in.var()[i];
            }
            mu[r] = m;
            var[r] = v;
        }
        return new ChannelMoments(axis, mu, var, in.via());
    }

    private ChannelMoments gemm(Node n) {
        ChannelMoments in = get(n.input(0));
        float[] w = constant(n.input(1));
        if (in == null || w == null || n.attrInt("transA", 0) != 0 || in.axis() != 1) return null;
        if (n.attrFloat("alpha", 1f) != 1f || n.attrFloat("beta", 1f) != 1f) return null;
        long[] dims = dev.lopper.onnx.Tensors.dims(graph.constant(n.input(1)));
        if (dims.length != 2) return null;
        return dense(in, w, (int) dims[0], (int) dims[1], n.attrInt("transB", 0) != 0, constant(n.input(2)), 1);
    }

    private ChannelMoments matmul(Node n) {
        ChannelMoments in = get(n.input(0));
        float[] w = constant(n.input(1));
        if (in == null || w == null) return null;
        int rank = rank(n.input(0));
        if (in.axis() != rank - 1) return null;
        long[] dims = dev.lopper.onnx.Tensors.dims(graph.constant(n.input(1)));
        if (dims.length != 2) return null;
        return dense(in, w, (int) dims[0], (int) dims[1], false, null, Math.max(0, rank(n.output(0)) - 1));
    }
}
