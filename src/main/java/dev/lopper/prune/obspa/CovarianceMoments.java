package dev.lopper.prune.obspa;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoubleUnaryOperator;

import dev.lopper.analysis.ops.MomentView;
import dev.lopper.analysis.ops.OpDefinition;
import dev.lopper.analysis.ops.Ops;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.graph.Shape;
import dev.lopper.importance.Weights;

/**
 * Data-free <em>full</em> second moments: per tensor, the channel mean μ and the channel covariance Σ (C × C, double),
 * plus, for image-like tensors [N, C, H, W], a stationary spatial correlation r(δy, δx) shared by all channels
 * (Cov(x_c(p), x_c'(p + δ)) = Σ_cc' r(δ); lags beyond ±{@value #LAG} are taken as uncorrelated).
 * <ul>
 *   <li>Graph inputs: an image input read by a Conv + BatchNormalization gets the mean, variance and separable spatial
 *       correlation fitted to that BN's statistics ({@link InputPrior}, when plausible); any other input zero mean,
 *       identity channel covariance, spatially white (only correlations matter: every normalization below fixes the
 *       magnitudes).</li>
 *   <li>Conv: Σ' = Σ_{t,t'} r(d(t' − t)) W_t Σ W_t'ᵀ (cross-tap terms from r), r' from the kernels
 *       (r'(δ) ∝ Σ_{t,t'} tr(W_t Σ W_t'ᵀ) r(sδ + d(t' − t))); Gemm / MatMul: Σ' = W Σ Wᵀ; means alongside.
 *       Padding is ignored (every tap sees the stationary field).</li>
 *   <li>BatchNormalization / InstanceNormalization: the incoming Σ gives the correlations, the running variance
 *       the magnitudes before it (mean: running mean); the normalization's affine map then gives Σ = diag(a) Σ diag(a),
 *       mean β. LayerNormalization (last axis): the centred incoming Σ gives the correlations, γ the magnitudes.
 *       Without incoming moments: diagonal (γ²), as the diagonal model.</li>
 *   <li>ReLU: closed-form moments of the truncated bivariate normal for every channel pair and every spatial lag;
 *       GELU, SiLU, Sigmoid, Tanh, LeakyRelu, Clip, …: 2-D Gauss–Hermite quadrature ({@link BivariateMoments}).</li>
 *   <li>Add of two activations, Concat: the branches' cross-covariance is taken as 0 (stated approximation);
 *       Add/Mul/Div with a per-channel constant: shift/scale; Add of a constant that varies along another axis
 *       (position embeddings): its mean and its covariance over that axis are added.</li>
 *   <li>MaxPool / GlobalMaxPool: correlation matrix kept, mean and variance of the max of independent copies;
 *       AveragePool / GlobalAveragePool: Σ scaled by the average of r over the window pairs.
 *       Flatten / Reshape / Squeeze / Transpose re-index (Flatten of a spatial tensor: Σ ⊗ R over positions when
 *       it stays under {@value #MAX_CHANNELS} features).</li>
 *   <li>Gather from a constant embedding table: mean row and covariance of the rows (uniform token ids).</li>
 * </ul>
 * Memory: a tensor wider than {@value #MAX_CHANNELS} channels has no full moments (Σ would need C² doubles: 128 MB at
 * 4,096, 2 GB at 16k); consumers of it use the diagonal model. Only inputs of Conv/Gemm/MatMul layers are kept after
 * the propagation; other tensors are dropped once their last reader is done.
 */
public final class CovarianceMoments {
    /** Widest tensor (channels) with a full covariance. */
    public static final int MAX_CHANNELS = 4096;
    /** Spatial lags tracked in each direction. */
    public static final int LAG = 7;
    private static final int GRID = 2 * LAG + 1;

    /**
     * @param axis    the channel axis (non-negative)
     * @param mean    per channel
     * @param cov     C × C row-major
     * @param spatial r(δy, δx) on a (2·LAG+1)² grid (index (δy+LAG)·GRID + δx+LAG), or null when the tensor has no
     *                spatial axes or they are not tracked
     * @param via     where the magnitudes come from
     */
    public record Moments(int axis, double[] mean, double[] cov, double[] spatial, String via) {
        public int size() { return mean.length; }

        public double var(int i) { return Math.max(0, cov[i * mean.length + i]); }

        /** r(δy, δx), 0 beyond the tracked lags, 1 at 0 when untracked (white). */
        public double r(int dy, int dx) {
            if (spatial == null) return dy == 0 && dx == 0 ? 1 : 0;
            if (Math.abs(dy) > LAG || Math.abs(dx) > LAG) return 0;
            return spatial[(dy + LAG) * GRID + dx + LAG];
        }
    }

    private final ModelGraph graph;
    private final Weights weights;
    private final Map<String, Moments> moments = new HashMap<>();
    private final Map<String, double[][]> bnCorrection = new HashMap<>();
    private final Map<String, double[][]> fixedCorrection;
    /** 1, or 2 for a joint propagation of the original (copy 0) and an edited model (copy 1): channel = copy·C + c. */
    private final int copies;
    /** A constant's edited values, or null when it keeps its own. */
    private final java.util.function.Function<String, float[]> edits;
    /** Non-null: every BatchNormalization normalizes with its input's predicted statistics, recorded here (name → {mean, var}). */
    private Map<String, float[][]> reestimated;
    /** Graph inputs with a distribution fitted to the first BatchNormalization after them; the others are white. */
    private final Map<String, InputPrior> priors;

    private CovarianceMoments(ModelGraph graph, Weights weights, Map<String, double[][]> fixed, Map<String, InputPrior> priors) {
        this(graph, weights, fixed, 1, t -> null, priors);
    }

    private CovarianceMoments(ModelGraph graph, Weights weights, Map<String, double[][]> fixed, int copies,
                              java.util.function.Function<String, float[]> edits,
                              Map<String, InputPrior> priors) {
        this.priors = priors;
        this.graph = graph;
        this.weights = weights;
        this.fixedCorrection = fixed;
        this.copies = copies;
        this.edits = edits;
    }

    /**
     * Joint moments of the original model (channels 0 … C−1 of every tensor) and of the same graph with some constants
     * replaced by {@code edits} (channels C … 2C−1), both fed the same input: the cross-covariance block is
     * E[x x̂ᵀ] − μμ̂ᵀ. Every normalization keeps the magnitude correction measured on {@code original} for both copies
     * (the edited model runs with its normalizations' stored statistics). Tensors wider than MAX_CHANNELS / 2 get none.
     */
    public static CovarianceMoments joint(ModelGraph graph, Weights weights, CovarianceMoments original, Map<String, float[]> edits) {
        return run(new CovarianceMoments(graph, weights, original.bnCorrection, 2, Map.copyOf(edits)::get, original.priors));
    }

    /**
     * Data-free BatchNormalization re-estimation: the running mean and variance every BatchNormalization of the graph with
     * {@code edits} applied is predicted to see, each BN normalizing with its new statistics before the next (the
     * magnitude correction of {@code original} turns the predicted moments into statistics). Keyed by BN node name:
     * {mean, var}.
     */
    public static Map<String, float[][]> reestimate(ModelGraph graph, Weights weights, CovarianceMoments original,
                                                   Map<String, float[]> edits) {
        return reestimate(graph, weights, original, Map.copyOf(edits)::get);
    }

    /**
     * As {@link #reestimate(ModelGraph, Weights, CovarianceMoments, Map)}, a constant's edited values read from
     * {@code edits} (null: unedited) when the propagation reaches its first reader: a caller still solving them may
     * hand them over as they are ready (the lookup may wait for them).
     */
    public static Map<String, float[][]> reestimate(ModelGraph graph, Weights weights, CovarianceMoments original,
                                                   java.util.function.Function<String, float[]> edits) {
        CovarianceMoments m = new CovarianceMoments(graph, weights, original.bnCorrection, 1, edits, original.priors);
        m.reestimated = new java.util.LinkedHashMap<>();
        run(m);
        return m.reestimated;
    }

    /** 1, or 2 for joint moments. */
    public int copies() { return copies; }

    /**
     * Propagates through the whole graph; an image-like graph input read by a Conv followed by a BatchNormalization
     * gets the distribution fitted to that BN's statistics ({@link InputPrior}), the others are white.
     */
    public static CovarianceMoments of(ModelGraph graph, Weights weights) {
        return of(graph, weights, true);
    }

    /** As {@link #of(ModelGraph, Weights)}; {@code fitInputs} false takes every graph input as white. */
    public static CovarianceMoments of(ModelGraph graph, Weights weights, boolean fitInputs) {
        Map<String, InputPrior> priors = new HashMap<>();
        if (fitInputs) {
            for (String in : graph.inputs()) InputPrior.candidate(graph, weights, in).ifPresent(p -> priors.put(graph.resolve(in), p));
        }
        CovarianceMoments m = new CovarianceMoments(graph, weights, null, Map.copyOf(priors));
        return run(m);
    }

    /** The fitted prior of a graph input, or empty when it is taken as white. */
    public Optional<InputPrior> prior(String input) {
        return Optional.ofNullable(priors.get(graph.resolve(input))).filter(InputPrior::plausible);
    }

    /** One line per graph input: its fitted prior, or that it is taken as white. */
    public String describeInputs() {
        StringBuilder b = new StringBuilder();
        for (String in : graph.inputs()) {
            if (graph.isConstant(in)) continue;
            if (b.length() > 0) b.append('\n');
            InputPrior p = priors.get(graph.resolve(in));
            String white = "graph input " + in + ": white (zero mean, unit variance, spatially uncorrelated; ";
            b.append(p == null ? white + "no Conv + BatchNormalization after it)"
                    : p.plausible() ? p.describe() : white + "the fit to " + p.via() + " is not used: " + p.implausible() + ")");
        }
        return b.toString();
    }

    /**
     * Propagates through a graph whose constants were edited (pruned/compensated), keeping every normalization's
     * magnitude correction as it was measured on {@code original} (the edited model runs with the original
     * normalization statistics, so its activations differ from them).
     */
    public static CovarianceMoments edited(ModelGraph graph, Weights weights, CovarianceMoments original) {
        return run(new CovarianceMoments(graph, weights, original.bnCorrection, original.priors));
    }

    private static CovarianceMoments run(CovarianceMoments m) {
        Set<String> keep = new HashSet<>();
        Map<String, Integer> readers = new HashMap<>();
        for (Node n : m.graph.nodes()) {
            MomentView view = Ops.moments(n.opType());
            if (view != null && view.isLinearLayer()) keep.add(m.graph.resolve(n.input(0)));
            for (String t : n.inputs()) if (!t.isEmpty()) readers.merge(m.graph.resolve(t), 1, Integer::sum);
        }
        // BN re-estimation reads only what reaches a BatchNormalization: the nodes after the last ones are left out
        Set<Node> feeding = m.reestimated != null ? feedingBatchNorms(m.graph) : null;
        for (Node n : m.graph.nodes()) {
            if (!n.isDefaultDomain() && !n.domain().equals(OpDefinition.MS)) continue;
            Moments out;
            try {
                out = feeding == null || feeding.contains(n) ? m.apply(n) : null;
            } catch (RuntimeException e) {
                out = null; // a shape or constant we cannot read: no moments
            }
            if (out != null && !n.output(0).isEmpty() && out.size() <= MAX_CHANNELS) m.moments.put(n.output(0), out);
            for (String t : n.inputs()) {
                if (t.isEmpty()) continue;
                String r = m.graph.resolve(t);
                if (readers.merge(r, -1, Integer::sum) <= 0 && !keep.contains(r)) m.moments.remove(r);
            }
        }
        return m;
    }

    /** BatchNormalization nodes and the nodes upstream of one. */
    static Set<Node> feedingBatchNorms(ModelGraph graph) {
        Set<Node> feeding = new HashSet<>();
        Set<String> read = new HashSet<>(); // tensors a feeding node reads
        java.util.List<Node> nodes = graph.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            MomentView view = Ops.moments(n.opType());
            boolean f = view != null && view.kind() == MomentView.Kind.NORM_BATCH;
            for (String o : n.outputs()) f |= !o.isEmpty() && (read.contains(o) || read.contains(graph.resolve(o)));
            if (!f) continue;
            feeding.add(n);
            for (String t : n.inputs()) {
                if (t.isEmpty()) continue;
                read.add(t);
                read.add(graph.resolve(t));
            }
        }
        return feeding;
    }

    /** Full moments of a tensor along {@code axis} (negative from the end), if derived. */
    public Optional<Moments> of(String tensor, int axis) {
        Moments c = moments.get(graph.resolve(tensor));
        if (c == null) return Optional.empty();
        int rank = graph.shape(tensor).rank();
        int a = axis < 0 && rank > 0 ? axis + rank : axis;
        return c.axis() == a ? Optional.of(c) : Optional.empty();
    }

    public int size() { return moments.size(); }

    // ---------------- rules ----------------

    private Moments get(String t) { return t.isEmpty() ? null : moments.get(graph.resolve(t)); }

    /** A constant's values; in a joint propagation the original's followed by the edited model's. */
    private float[] constant(String t) {
        if (t.isEmpty() || !graph.isConstant(t)) return null;
        float[] v = weights.get(t).values();
        float[] e = edits.apply(graph.resolve(t));
        if (e == null) e = edits.apply(t);
        if (e == null) e = v;
        if (copies == 1) return e;
        if (e.length != v.length) throw new IllegalArgumentException("edited " + t + " has another size");
        float[] r = new float[v.length * 2];
        System.arraycopy(v, 0, r, 0, v.length);
        System.arraycopy(e, 0, r, v.length, v.length);
        return r;
    }

    /** The original model's values of a constant (for constants edits never touch: tables, position embeddings). */
    private float[] original(String t) {
        if (t.isEmpty() || !graph.isConstant(t)) return null;
        return weights.get(t).values();
    }

    private long[] dims(String t) { return dev.lopper.onnx.Tensors.dims(graph.constant(t)); }

    private int rank(String t) { return graph.shape(t).rank(); }

    /** The moments of a node's output, by its op's {@link MomentView}; null for an op without one. */
    private Moments apply(Node n) {
        MomentView view = Ops.moments(n.opType());
        if (view == null) return null;
        return switch (view.kind()) {
            case NORM_BATCH -> batchNorm(n);
            case NORM_INSTANCE -> instanceNorm(n);
            case NORM_LAYER -> layerNorm(n);
            case RELU -> relu(n);
            case LEAKY_RELU -> {
                double a = n.attrFloat("alpha", 0.01f);
                yield unary(n, x -> x >= 0 ? x : a * x);
            }
            case CLIP -> clip(n);
            case UNARY -> unary(n, view.fn());
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
            case RESHAPE, UNSQUEEZE -> reshape(n);
            case TRANSPOSE -> transpose(n);
            case CONCAT -> concat(n);
            case LINEAR_CONV -> conv(n);
            case LINEAR_GEMM -> gemm(n);
            case LINEAR_MATMUL -> matmul(n);
            case GATHER -> gather(n);
        };
    }

    /** A graph input's moments: its fitted {@link InputPrior} when plausible, else white with unit variance. */
    private Moments inputOrWhite(String t, int channels, int axis) {
        Moments m = get(t);
        if (m != null) return m;
        if (!graph.inputs().contains(graph.resolve(t)) && !graph.inputs().contains(t)) return null;
        double[] cov = new double[channels * channels];
        int per = channels / copies;
        InputPrior p = priors.get(graph.resolve(t));
        if (p != null && p.plausible() && p.mean().length == per && axis == 1 && rank(t) == 4) {
            double[] mu = new double[channels];
            for (int i = 0; i < channels; i++) {
                mu[i] = p.mean()[i % per];
                for (int j = 0; j < channels; j++) if (i % per == j % per) cov[i * channels + j] = p.var()[i % per];
            }
            double[] sp = new double[GRID * GRID];
            for (int dy = -LAG; dy <= LAG; dy++) for (int dx = -LAG; dx <= LAG; dx++) sp[(dy + LAG) * GRID + dx + LAG] = p.r(dy, dx);
            return new Moments(axis, mu, cov, sp, "graph input (prior fitted to " + p.via() + ")");
        }
        for (int i = 0; i < channels; i++) for (int j = 0; j < channels; j++) if (i % per == j % per) cov[i * channels + j] = 1;
        return new Moments(axis, new double[channels], cov, rank(t) >= 3 ? white() : null, "graph input (white)");
    }

    private static double[] white() {
        double[] r = new double[GRID * GRID];
        r[LAG * GRID + LAG] = 1;
        return r;
    }

    private Moments batchNorm(Node n) {
        float[] gamma = constant(n.input(1)), beta = constant(n.input(2)), mean = constant(n.input(3)), var = constant(n.input(4));
        if (gamma == null || beta == null || gamma.length != beta.length) return null;
        int c = gamma.length;
        double eps = n.attrFloat("epsilon", 1e-5f);
        Moments in = get(n.input(0));
        if (in != null && (in.axis() != 1 || in.size() != c)) in = null;
        double[] a = new double[c];
        for (int i = 0; i < c; i++) a[i] = var == null ? gamma[i] : gamma[i] / Math.sqrt(var[i] + eps);
        double[] cov = new double[c * c];
        double[] mu = new double[c];
        if (in == null || mean == null || var == null) {
            if (copies > 1) return null;
            for (int i = 0; i < c; i++) cov[i * c + i] = (double) gamma[i] * gamma[i];
            for (int i = 0; i < c; i++) mu[i] = beta[i];
            return new Moments(1, mu, cov, in == null ? null : in.spatial(), n.opType() + " " + n.name());
        }
        // before the normalization: correlations from the propagated Σ, magnitudes from the running statistics;
        // the correction (scale, shift) is fixed on the original model and reused on an edited one
        double[][] corr = fixedCorrection != null ? fixedCorrection.get(n.name()) : null;
        if (copies > 1) {
            if (corr == null || corr[0].length * copies != c) return null;
            double[][] tiled = new double[2][c];
            for (int i = 0; i < c; i++) {
                tiled[0][i] = corr[0][i % corr[0].length];
                tiled[1][i] = corr[1][i % corr[0].length];
            }
            corr = tiled;
        } else if (corr == null || corr[0].length != c) {
            double[] scale = new double[c], shift = new double[c];
            for (int i = 0; i < c; i++) {
                double v = in.var(i);
                scale[i] = v > 1e-30 ? Math.sqrt(var[i] / v) : 0;
                shift[i] = mean[i] - scale[i] * in.mean()[i];
            }
            corr = new double[][] {scale, shift};
            bnCorrection.put(n.name(), corr);
        }
        double[] scale = corr[0], shift = corr[1];
        if (reestimated != null && copies == 1) {
            // BN re-estimation without data: the statistics this (edited) model's input is predicted to have, through
            // the original model's magnitude correction; the BN then normalizes with them
            float[] nm = new float[c], nv = new float[c];
            for (int i = 0; i < c; i++) {
                nm[i] = (float) (scale[i] * in.mean()[i] + shift[i]);
                nv[i] = (float) (scale[i] == 0 ? var[i] : scale[i] * scale[i] * in.var(i));
                a[i] = gamma[i] / Math.sqrt(nv[i] + eps);
            }
            reestimated.put(n.name(), new float[][] {nm, nv});
            mean = nm;
            var = nv;
        }
        for (int i = 0; i < c; i++) {
            double pre = scale[i] * in.mean()[i] + shift[i];
            mu[i] = a[i] * (pre - mean[i]) + beta[i];
            for (int j = 0; j < c; j++) cov[i * c + j] = a[i] * scale[i] * in.cov()[i * c + j] * scale[j] * a[j];
            if (scale[i] == 0) cov[i * c + i] = (double) a[i] * a[i] * var[i]; // no correlation known: the statistic alone
        }
        return new Moments(1, mu, cov, in.spatial(), n.opType() + " " + n.name());
    }

    private Moments instanceNorm(Node n) {
        float[] gamma = constant(n.input(1)), beta = constant(n.input(2));
        if (gamma == null || beta == null || gamma.length != beta.length) return null;
        Moments in = get(n.input(0));
        if (copies > 1 && in == null) return null;
        return normalized(in != null && in.axis() == 1 && in.size() == gamma.length ? in : null, gamma, beta, 1, false,
                n.opType() + " " + n.name(), copies);
    }

    private Moments layerNorm(Node n) {
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
        if (c <= 0) c = gamma.length / copies;
        float[] g = expandCopies(gamma, c), b = expandCopies(beta, c);
        if (g == null || b == null) return null;
        Moments in = get(n.input(0));
        if (copies > 1 && in == null) return null;
        return normalized(in != null && in.axis() == rank - 1 && in.size() == c * copies ? in : null, g, b, rank - 1, true,
                "LayerNormalization " + n.name(), copies);
    }

    /** Per-copy values of length c (each copy's part a scalar or c values), concatenated over copies. */
    private float[] expandCopies(float[] v, int c) {
        int per = v.length / copies;
        if (per != c && per != 1) return null;
        float[] r = new float[c * copies];
        for (int q = 0; q < copies; q++) for (int i = 0; i < c; i++) r[q * c + i] = v[q * per + (per == 1 ? 0 : i)];
        return r;
    }

    /** Correlations of the (centred over features when {@code centre}) input, magnitudes γ², mean β. */
    private static Moments normalized(Moments in, float[] gamma, float[] beta, int axis, boolean centre, String via, int copies) {
        int c = gamma.length;
        double[] mu = new double[c], cov = new double[c * c];
        for (int i = 0; i < c; i++) mu[i] = beta[i];
        if (in == null) {
            for (int i = 0; i < c; i++) cov[i * c + i] = (double) gamma[i] * gamma[i];
            return new Moments(axis, mu, cov, null, via);
        }
        double[] s = in.cov().clone();
        if (centre) {
            // x − mean over each copy's features: s ← P s P with P block-diagonal (I − 11ᵀ/per)
            int per = c / copies;
            double[] row = new double[c * copies]; // row[i·copies + q] = mean over copy q's columns of row i
            for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) row[i * copies + j / per] += s[i * c + j] / per;
            double[] all = new double[copies * copies];
            for (int i = 0; i < c; i++) for (int q = 0; q < copies; q++) all[(i / per) * copies + q] += row[i * copies + q] / per;
            for (int i = 0; i < c; i++) {
                for (int j = 0; j < c; j++) {
                    int qi = i / per, qj = j / per;
                    s[i * c + j] += all[qi * copies + qj] - row[i * copies + qj] - row[j * copies + qi];
                }
            }
        }
        double[] sd = new double[c];
        for (int i = 0; i < c; i++) sd[i] = Math.sqrt(Math.max(0, s[i * c + i]));
        for (int i = 0; i < c; i++) {
            for (int j = 0; j < c; j++) {
                double r = i == j ? 1 : sd[i] > 0 && sd[j] > 0 ? s[i * c + j] / (sd[i] * sd[j]) : 0;
                cov[i * c + j] = gamma[i] * r * gamma[j];
            }
        }
        return new Moments(axis, mu, cov, in.spatial(), via);
    }

    private Moments relu(Node n) {
        Moments in = get(n.input(0));
        if (in == null) return null;
        int c = in.size();
        double[] mu = new double[c], cov = new double[c * c];
        double[] x = in.cov(), m = in.mean();
        for (int i = 0; i < c; i++) mu[i] = GaussianMoments.relu(m[i], in.var(i))[0];
        // every pair is its own closed form (no shared sums): rows split over cores, same bits
        rows(c, (long) c * c * 64, i -> {
            for (int j = 0; j <= i; j++) {
                double e = i == j ? second(GaussianMoments.relu(m[i], in.var(i)))
                        : BivariateMoments.reluCross(m[i], in.var(i), m[j], in.var(j), x[i * c + j]);
                cov[i * c + j] = cov[j * c + i] = e - mu[i] * mu[j];
            }
        });
        double[] sp = spatialMap(in, (mi, vi, cv) -> BivariateMoments.reluCross(mi, vi, mi, vi, cv), GaussianMoments::relu);
        return new Moments(in.axis(), mu, cov, sp, in.via());
    }

    private static double second(double[] meanVar) { return meanVar[1] + meanVar[0] * meanVar[0]; }

    private interface Cross { double e(double mean, double var, double cov); }

    private interface Marginal { double[] of(double mean, double var); }

    /** The output spatial correlation: per channel, r'(δ) = Cov(f(x(p)), f(x(p+δ))) / Var f, averaged weighted by Var f. */
    private static double[] spatialMap(Moments in, Cross cross, Marginal marginal) {
        if (in.spatial() == null) return null;
        double[] out = new double[GRID * GRID];
        double total = 0;
        int c = in.size();
        // each channel's terms are its own closed forms: computed over cores, then summed over channels in order
        double[][] term = new double[c][];
        rows(c, (long) c * GRID * GRID * 64, ch -> {
            double m = in.mean()[ch], v = in.var(ch);
            double[] mv = marginal.of(m, v);
            if (!(mv[1] > 0)) return;
            double[] t = new double[GRID * GRID];
            for (int k = 0; k < t.length; k++) {
                double r = in.spatial()[k];
                if (k == LAG * GRID + LAG) t[k] = mv[1];
                else if (r != 0) t[k] = cross.e(m, v, r * v) - mv[0] * mv[0];
            }
            term[ch] = t;
        });
        for (int ch = 0; ch < c; ch++) {
            double[] t = term[ch];
            if (t == null) continue;
            total += t[LAG * GRID + LAG];
            for (int k = 0; k < out.length; k++) {
                if (k != LAG * GRID + LAG && in.spatial()[k] == 0) continue;
                out[k] += t[k];
            }
        }
        if (!(total > 0)) return in.spatial();
        for (int k = 0; k < out.length; k++) out[k] /= total;
        return out;
    }

    private Moments unary(Node n, DoubleUnaryOperator f) {
        Moments in = get(n.input(0));
        if (in == null) return null;
        return mapped(in, f);
    }

    private static Moments mapped(Moments in, DoubleUnaryOperator f) {
        int c = in.size();
        double[] mu = new double[c], cov = new double[c * c], m = in.mean();
        double[][] mv = new double[c][];
        for (int i = 0; i < c; i++) {
            mv[i] = GaussianMoments.of(f, m[i], in.var(i));
            mu[i] = mv[i][0];
        }
        // every pair is its own quadrature (no shared sums): rows split over cores, same bits
        rows(c, (long) c * c * 256, i -> {
            cov[i * c + i] = mv[i][1];
            for (int j = 0; j < i; j++) {
                double e = BivariateMoments.cross(f, f, m[i], in.var(i), m[j], in.var(j), in.cov()[i * c + j]);
                cov[i * c + j] = cov[j * c + i] = e - mu[i] * mu[j];
            }
        });
        double[] sp = spatialMap(in, (mi, vi, cv) -> BivariateMoments.cross(f, f, mi, vi, mi, vi, cv), (a, b) -> GaussianMoments.of(f, a, b));
        return new Moments(in.axis(), mu, cov, sp, in.via());
    }

    private Moments clip(Node n) {
        double lo = Double.NEGATIVE_INFINITY, hi = Double.POSITIVE_INFINITY;
        if (n.hasAttribute("min")) lo = n.attrFloat("min", 0);
        if (n.hasAttribute("max")) hi = n.attrFloat("max", 0);
        float[] a = constant(n.input(1)), b = constant(n.input(2));
        if (a != null && a.length == 1) lo = a[0];
        if (b != null && b.length == 1) hi = b[0];
        double l = lo, h = hi;
        return unary(n, x -> Math.max(l, Math.min(h, x)));
    }

    /** Per-channel values of a constant broadcast on the moments' axis (or a scalar), or null. */
    private double[] perChannel(String t, String activation, Moments in) {
        float[] v = constant(t);
        if (v == null) return null;
        if (v.length == copies) {
            double[] r = new double[in.size()];
            int per = in.size() / copies;
            for (int i = 0; i < r.length; i++) r[i] = v[i / per];
            return r;
        }
        if (v.length != in.size()) return null;
        long[] d = dims(t);
        int rank = rank(activation);
        if (rank < 0 || d.length > rank) return null;
        for (int i = 0; i < d.length; i++) if (d[i] != 1 && rank - d.length + i != in.axis()) return null;
        double[] r = new double[v.length];
        for (int i = 0; i < r.length; i++) r[i] = v[i];
        return r;
    }

    /** A constant [.., S, C] varying along other axes than the channel (last) axis: its mean row and row covariance. */
    private double[][] rowMoments(String t, Moments in) {
        float[] v = original(t);
        int c = in.size() / copies;
        if (v == null || c == 0 || v.length % c != 0) return null;
        long[] d = dims(t);
        if (d.length == 0 || d[d.length - 1] != c) return null;
        int rows = v.length / c;
        double[] mu = new double[c], cov = new double[c * c];
        for (int r = 0; r < rows; r++) for (int i = 0; i < c; i++) mu[i] += v[r * c + i] / (double) rows;
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < c; i++) {
                double di = v[r * c + i] - mu[i];
                for (int j = 0; j < c; j++) cov[i * c + j] += di * (v[r * c + j] - mu[j]) / rows;
            }
        }
        return new double[][] {mu, cov};
    }

    private Moments addSub(Node n, int sign) {
        Moments a = get(n.input(0)), b = get(n.input(1));
        if (a != null && b != null) {
            if (a.axis() != b.axis() || a.size() != b.size()) return null;
            int c = a.size();
            double[] mu = new double[c], cov = new double[c * c];
            for (int i = 0; i < c; i++) mu[i] = a.mean()[i] + sign * b.mean()[i];
            for (int i = 0; i < c * c; i++) cov[i] = a.cov()[i] + b.cov()[i]; // branches taken as uncorrelated
            return new Moments(a.axis(), mu, cov, mix(a, b), a.via());
        }
        Moments in = a != null ? a : b;
        if (in == null) return null;
        String k = a != null ? n.input(1) : n.input(0);
        double s = a != null ? sign : 1, sx = a != null ? 1 : sign;
        double[] pc = perChannel(k, a != null ? n.input(0) : n.input(1), in);
        int c = in.size();
        double[] mu = new double[c];
        double[] cov = in.cov().clone();
        if (sx < 0) for (int i = 0; i < c; i++) mu[i] = -in.mean()[i];
        else System.arraycopy(in.mean(), 0, mu, 0, c);
        if (pc != null) {
            for (int i = 0; i < c; i++) mu[i] += s * pc[i];
            return new Moments(in.axis(), mu, cov, in.spatial(), in.via());
        }
        int rank = rank(n.output(0));
        if (in.axis() != rank - 1) return null;
        double[][] rm = rowMoments(k, in);
        if (rm == null) return null;
        int per = c / copies;
        for (int i = 0; i < c; i++) mu[i] += s * rm[0][i % per];
        for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) cov[i * c + j] += rm[1][(i % per) * per + j % per];
        return new Moments(in.axis(), mu, cov, in.spatial(), in.via());
    }

    private static double[] mix(Moments a, Moments b) {
        if (a.spatial() == null || b.spatial() == null) return a.spatial() != null ? a.spatial() : b.spatial();
        double ta = 0, tb = 0;
        for (int i = 0; i < a.size(); i++) {
            ta += a.var(i);
            tb += b.var(i);
        }
        if (!(ta + tb > 0)) return a.spatial();
        double[] r = new double[GRID * GRID];
        for (int k = 0; k < r.length; k++) r[k] = (ta * a.spatial()[k] + tb * b.spatial()[k]) / (ta + tb);
        return r;
    }

    private static Moments scale(Moments in, double[] k) {
        int c = in.size();
        double[] mu = new double[c], cov = new double[c * c];
        for (int i = 0; i < c; i++) {
            mu[i] = in.mean()[i] * k[i];
            for (int j = 0; j < c; j++) cov[i * c + j] = k[i] * in.cov()[i * c + j] * k[j];
        }
        return new Moments(in.axis(), mu, cov, in.spatial(), in.via());
    }

    private Moments mul(Node n) {
        for (int i = 0; i < 2; i++) {
            String x = n.input(i), s = n.input(1 - i);
            Node p = graph.producer(s).orElse(null);
            if (p != null && Ops.moments(p.opType()) == MomentView.SIGMOID && p.input(0).equals(x) && get(x) != null) {
                return mapped(get(x), MomentView.SILU.fn());
            }
        }
        Moments a = get(n.input(0)), b = get(n.input(1));
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

    private Moments div(Node n) {
        Moments a = get(n.input(0));
        if (a == null) return null;
        double[] k = perChannel(n.input(1), n.input(0), a);
        if (k == null) return null;
        for (int i = 0; i < k.length; i++) {
            if (k[i] == 0) return null;
            k[i] = 1 / k[i];
        }
        return scale(a, k);
    }

    /** Kernel dims [kh, kw] of a rank-3 or rank-4 op (1-D: kh = 1). */
    private static int[] hw(long[] k) {
        if (k.length == 1) return new int[] {1, (int) k[0]};
        if (k.length == 2) return new int[] {(int) k[0], (int) k[1]};
        return null;
    }

    private static int[] hw(long[] v, int def) {
        if (v == null || v.length == 0) return new int[] {def, def};
        if (v.length == 1) return new int[] {1, (int) v[0]};
        return new int[] {(int) v[0], (int) v[1]};
    }

    private Moments pool(Node n, boolean max) {
        Moments in = get(n.input(0));
        if (in == null || in.axis() != 1) return null;
        int[] k = hw(n.attrInts("kernel_shape") == null ? new long[0] : n.attrInts("kernel_shape"));
        if (k == null) return null;
        int[] s = hw(n.attrInts("strides"), 1);
        int area = k[0] * k[1];
        if (max) {
            double rho = 0;
            for (int a = 0; a < area; a++) {
                for (int b = 0; b < area; b++) if (a != b) rho += in.r(b / k[1] - a / k[1], b % k[1] - a % k[1]);
            }
            return poolMax(in, area, shiftedSpatial(in, s), area > 1 ? rho / ((double) area * (area - 1)) : 0);
        }
        double kappa = 0, total = 0;
        for (int a = 0; a < area; a++) for (int b = 0; b < area; b++) kappa += in.r(b / k[1] - a / k[1], b % k[1] - a % k[1]);
        kappa /= (double) area * area;
        double[] sp = null;
        if (in.spatial() != null) {
            sp = new double[GRID * GRID];
            for (int dy = -LAG; dy <= LAG; dy++) {
                for (int dx = -LAG; dx <= LAG; dx++) {
                    double t = 0;
                    for (int a = 0; a < area; a++) {
                        for (int b = 0; b < area; b++) {
                            t += in.r(s[0] * dy + b / k[1] - a / k[1], s[1] * dx + b % k[1] - a % k[1]);
                        }
                    }
                    sp[(dy + LAG) * GRID + dx + LAG] = t / ((double) area * area * kappa);
                }
            }
            total = 1;
        }
        double[] cov = in.cov().clone();
        for (int i = 0; i < cov.length; i++) cov[i] *= kappa;
        return new Moments(1, in.mean().clone(), cov, total > 0 ? sp : null, in.via());
    }

    private static double[] shiftedSpatial(Moments in, int[] s) {
        if (in.spatial() == null) return null;
        double[] sp = new double[GRID * GRID];
        for (int dy = -LAG; dy <= LAG; dy++) {
            for (int dx = -LAG; dx <= LAG; dx++) sp[(dy + LAG) * GRID + dx + LAG] = in.r(s[0] * dy, s[1] * dx);
        }
        return sp;
    }

    /**
     * Max of {@code area} copies with mean pairwise correlation ρ (the window's average spatial correlation):
     * channel correlations kept; per channel the max of equicorrelated Gaussians, X_a = μ + σ(√ρ Z + √(1−ρ) Y_a),
     * i.e. mean μ + σ√(1−ρ)·E[max Y] and variance σ²(ρ + (1−ρ)·Var[max Y]) with Y iid standard normal
     * (ρ = 0: independent copies; ρ = 1: the input unchanged).
     */
    static Moments poolMax(Moments in, int area, double[] spatial, double rho) {
        int c = in.size();
        double p = Math.max(0, Math.min(1, rho));
        double[] std = GaussianMoments.maxOf(area, 0, 1);
        double[] mu = new double[c], sd = new double[c], cov = new double[c * c];
        for (int i = 0; i < c; i++) {
            double s = Math.sqrt(Math.max(0, in.var(i)));
            mu[i] = in.mean()[i] + s * Math.sqrt(1 - p) * std[0];
            sd[i] = s * Math.sqrt(p + (1 - p) * std[1]);
        }
        for (int i = 0; i < c; i++) {
            for (int j = 0; j < c; j++) {
                double si = Math.sqrt(in.var(i)), sj = Math.sqrt(in.var(j));
                double r = i == j ? 1 : si > 0 && sj > 0 ? in.cov()[i * c + j] / (si * sj) : 0;
                cov[i * c + j] = sd[i] * r * sd[j];
            }
        }
        return new Moments(in.axis(), mu, cov, spatial, in.via());
    }

    private Moments globalPool(Node n, boolean max) {
        Moments in = get(n.input(0));
        if (in == null || in.axis() != 1) return null;
        Shape s = graph.shape(n.input(0));
        if (!s.hasRank() || s.rank() < 3 || s.rank() > 4) return null;
        int h = s.rank() == 4 ? (int) s.dim(2) : 1, w = (int) s.dim(s.rank() - 1);
        if (h <= 0 || w <= 0) return null;
        if (max) {
            double rho = 0;
            for (int dy = -(h - 1); dy <= h - 1; dy++) {
                for (int dx = -(w - 1); dx <= w - 1; dx++) {
                    if (dy != 0 || dx != 0) rho += (double) (h - Math.abs(dy)) * (w - Math.abs(dx)) * in.r(dy, dx);
                }
            }
            long pairs = (long) h * w * ((long) h * w - 1);
            return poolMax(in, h * w, null, pairs > 0 ? rho / pairs : 0);
        }
        double kappa = 0;
        for (int dy = -(h - 1); dy <= h - 1; dy++) {
            for (int dx = -(w - 1); dx <= w - 1; dx++) kappa += (double) (h - Math.abs(dy)) * (w - Math.abs(dx)) * in.r(dy, dx);
        }
        kappa /= (double) h * w * h * w;
        double[] cov = in.cov().clone();
        for (int i = 0; i < cov.length; i++) cov[i] *= kappa;
        return new Moments(1, in.mean().clone(), cov, null, in.via());
    }

    private Moments flatten(Node n) {
        Moments in = get(n.input(0));
        if (in == null || in.axis() != 1 || n.attrInt("axis", 1) != 1) return null;
        Shape s = graph.shape(n.input(0));
        if (!s.hasRank()) return null;
        int inner = 1;
        for (int i = 2; i < s.rank(); i++) {
            if (s.dim(i) <= 0) return null;
            inner *= (int) s.dim(i);
        }
        if (inner == 1) return new Moments(1, in.mean(), in.cov(), null, in.via());
        int c = in.size(), f = c * inner;
        if (f > MAX_CHANNELS || s.rank() > 4) return null;
        int w = (int) s.dim(s.rank() - 1);
        double[] mu = new double[f], cov = new double[f * f];
        for (int a = 0; a < f; a++) {
            int ca = a / inner, pa = a % inner;
            mu[a] = in.mean()[ca];
            for (int b = 0; b < f; b++) {
                int cb = b / inner, pb = b % inner;
                cov[a * f + b] = in.cov()[ca * c + cb] * in.r(pb / w - pa / w, pb % w - pa % w);
            }
        }
        return new Moments(1, mu, cov, null, in.via());
    }

    private Moments reshape(Node n) {
        Moments in = get(n.input(0));
        if (in == null) return null;
        Shape si = graph.shape(n.input(0)), so = graph.shape(n.output(0));
        if (!si.hasRank() || !so.hasRank() || so.rank() < 1) return null;
        if (in.axis() == si.rank() - 1 && so.dim(so.rank() - 1) == in.size()) {
            return new Moments(so.rank() - 1, in.mean(), in.cov(), null, in.via());
        }
        if (in.axis() == 1 && so.rank() == 2 && so.dim(1) == in.size()) {
            for (int i = 2; i < si.rank(); i++) if (si.dim(i) != 1) return null;
            return new Moments(1, in.mean(), in.cov(), null, in.via());
        }
        return null;
    }

    private Moments transpose(Node n) {
        Moments in = get(n.input(0));
        if (in == null) return null;
        long[] perm = n.attrInts("perm");
        int rank = rank(n.input(0));
        if (perm == null || perm.length == 0) {
            perm = new long[rank];
            for (int i = 0; i < rank; i++) perm[i] = rank - 1 - i;
        }
        for (int i = 0; i < perm.length; i++) {
            if (perm[i] == in.axis()) return new Moments(i, in.mean(), in.cov(), null, in.via());
        }
        return null;
    }

    private Moments concat(Node n) {
        int rank = rank(n.output(0));
        long axis = n.attrInt("axis", 1);
        if (axis < 0) axis += rank;
        int total = 0;
        Moments first = null;
        for (String t : n.inputs()) {
            Moments m = get(t);
            if (m == null || m.axis() != axis) return null;
            if (first == null) first = m;
            total += m.size();
        }
        if (first == null) return null;
        double[] mu = new double[total], cov = new double[total * total];
        double[] sp = first.spatial() == null ? null : new double[GRID * GRID];
        double tv = 0;
        int k = 0, per = total / copies;
        for (String t : n.inputs()) {
            Moments m = get(t);
            int c = m.size(), pc = c / copies;
            // copy q of this input (channels q·pc …) goes to q·per + k/copies …; cross-copy blocks of one input kept
            for (int i = 0; i < c; i++) {
                int oi = (i / pc) * per + k / copies + i % pc;
                mu[oi] = m.mean()[i];
                for (int j = 0; j < c; j++) cov[oi * total + (j / pc) * per + k / copies + j % pc] = m.cov()[i * c + j];
            }
            double v = 0;
            for (int i = 0; i < c; i++) v += m.var(i);
            if (sp != null && m.spatial() != null) for (int q = 0; q < sp.length; q++) sp[q] += v * m.spatial()[q];
            tv += v;
            k += c;
        }
        if (sp != null) {
            if (tv > 0) for (int q = 0; q < sp.length; q++) sp[q] /= tv;
            else sp = first.spatial();
        }
        return new Moments((int) axis, mu, cov, sp, first.via());
    }

    /** Runs {@code body} for rows 0 … count−1, split over cores when the work (multiply-adds) is large. */
    private static void rows(int count, long work, java.util.function.IntConsumer body) {
        if (work >= (1L << 22)) java.util.stream.IntStream.range(0, count).parallel().forEach(body);
        else for (int r = 0; r < count; r++) body.accept(r);
    }

    private Moments conv(Node n) {
        float[] w = constant(n.input(1));
        if (w == null) return null;
        long[] d = dims(n.input(1));
        int o = (int) d[0] * copies, cg = (int) d[1];
        int groups = (int) n.attrInt("group", 1) * copies; // joint: the two copies' kernels as two more groups
        int cin = cg * groups;
        Moments in = inputOrWhite(n.input(0), cin, 1);
        if (in == null || in.axis() != 1 || in.size() != cin || o % groups != 0) return null;
        long[] ks = new long[d.length - 2];
        System.arraycopy(d, 2, ks, 0, ks.length);
        int[] k = hw(ks);
        if (k == null) return null;
        int taps = k[0] * k[1];
        int[] dil = hw(n.attrInts("dilations"), 1), str = hw(n.attrInts("strides"), 1);
        float[] b = constant(n.input(2));
        int og = o / groups;
        double[] sig = in.cov(), mu = new double[o], cov = new double[o * o];
        for (int r = 0; r < o; r++) {
            int g = r / og;
            double m = b != null && b.length == o ? b[r] : 0;
            for (int c = 0; c < cg; c++) for (int t = 0; t < taps; t++) m += w[(r * cg + c) * taps + t] * in.mean()[g * cg + c];
            mu[r] = m;
        }
        // tap-pair weights R[t][t'] = r(d(t' − t))
        double[][] rt = new double[taps][taps];
        for (int t = 0; t < taps; t++) {
            for (int u = 0; u < taps; u++) rt[t][u] = in.r(dil[0] * (u / k[1] - t / k[1]), dil[1] * (u % k[1] - t % k[1]));
        }
        // input channels whose weights are 0 in every row and tap (pruned away on an edited model): each of their terms
        // in the sums below is ±0, which leaves a sum that starts at +0 as it is, so they are left out (same bits);
        // the other lc (of cg) per group, lin in all, index B_t, V_t and the Σ they read
        int[] live = liveInputs(w, o, cg, taps);
        int lc = live.length, lin = lc * groups;
        double[] sl = lc == cg ? sig : liveCov(sig, cin, cg, groups, live);
        // K[t][u] = Σ_o (W_t Σ W_uᵀ)_oo for the output spatial correlation
        double[][] kt = new double[taps][taps];
        double[] bt = new double[o * lin];
        double[] vt = new double[o * lc];
        for (int t = 0; t < taps; t++) {
            // B_t[r][c'] = Σ_{c ∈ group(r)} W[r, c, t] Σ[c, c']
            Arrays.fill(bt, 0);
            final int tt = t;
            // rows are independent (each row's sums run in the same order whichever thread does it): split over cores
            // eight (or four) rows of one group per task share each read of Σ's rows (each entry's sum in the same order)
            int octs = (o + 7) / 8;
            rows(octs, (long) o * lc * lin, qd -> {
                int r0 = qd * 8, r1 = Math.min(o, r0 + 8);
                if (r1 - r0 == 8 && r0 / og == (r1 - 1) / og) {
                    int g = r0 / og;
                    int o0 = r0 * lin, o1 = o0 + lin, o2 = o1 + lin, o3 = o2 + lin;
                    int o4 = o3 + lin, o5 = o4 + lin, o6 = o5 + lin, o7 = o6 + lin;
                    for (int j = 0; j < lc; j++) {
                        int c = live[j];
                        double x0 = w[(r0 * cg + c) * taps + tt], x1 = w[((r0 + 1) * cg + c) * taps + tt];
                        double x2 = w[((r0 + 2) * cg + c) * taps + tt], x3 = w[((r0 + 3) * cg + c) * taps + tt];
                        double x4 = w[((r0 + 4) * cg + c) * taps + tt], x5 = w[((r0 + 5) * cg + c) * taps + tt];
                        double x6 = w[((r0 + 6) * cg + c) * taps + tt], x7 = w[((r0 + 7) * cg + c) * taps + tt];
                        int row = (g * lc + j) * lin;
                        for (int c2 = 0; c2 < lin; c2++) {
                            double v = sl[row + c2];
                            bt[o0 + c2] += x0 * v;
                            bt[o1 + c2] += x1 * v;
                            bt[o2 + c2] += x2 * v;
                            bt[o3 + c2] += x3 * v;
                            bt[o4 + c2] += x4 * v;
                            bt[o5 + c2] += x5 * v;
                            bt[o6 + c2] += x6 * v;
                            bt[o7 + c2] += x7 * v;
                        }
                    }
                    return;
                }
                if (r1 - r0 >= 4 && r0 / og == (r0 + 3) / og) {
                    int g = r0 / og;
                    int o0 = r0 * lin, o1 = o0 + lin, o2 = o1 + lin, o3 = o2 + lin;
                    for (int j = 0; j < lc; j++) {
                        int c = live[j];
                        double x0 = w[(r0 * cg + c) * taps + tt], x1 = w[((r0 + 1) * cg + c) * taps + tt];
                        double x2 = w[((r0 + 2) * cg + c) * taps + tt], x3 = w[((r0 + 3) * cg + c) * taps + tt];
                        int row = (g * lc + j) * lin;
                        for (int c2 = 0; c2 < lin; c2++) {
                            double v = sl[row + c2];
                            bt[o0 + c2] += x0 * v;
                            bt[o1 + c2] += x1 * v;
                            bt[o2 + c2] += x2 * v;
                            bt[o3 + c2] += x3 * v;
                        }
                    }
                    r0 += 4;
                }
                for (int r = r0; r < r1; r++) {
                    int g = r / og;
                    for (int j = 0; j < lc; j++) {
                        int c = live[j];
                        double x = w[(r * cg + c) * taps + tt];
                        if (x == 0) continue;
                        int row = (g * lc + j) * lin;
                        for (int c2 = 0; c2 < lin; c2++) bt[r * lin + c2] += x * sl[row + c2];
                    }
                }
            });
            // V_t[r'][c'] = Σ_u r(t, u) W[r', c', u]
            Arrays.fill(vt, 0);
            for (int r = 0; r < o; r++) {
                for (int j = 0; j < lc; j++) {
                    double s = 0;
                    for (int u = 0; u < taps; u++) s += rt[t][u] * w[(r * cg + live[j]) * taps + u];
                    vt[r * lc + j] = s;
                }
            }
            // blocks of 16 rows r against stripes of V_t rows small enough to stay in cache (each entry is still one sum
            // over c in order; only which entries are computed when changes); the sum over taps is symmetric
            // (r(δ) = r(−δ)), so only the upper triangle r2 ≥ r is computed and mirrored below
            int stripe = Math.max(8, (32768 / Math.max(1, lc)) / 8 * 8);
            rows((o + 15) / 16, (long) o * o * lc / 2, rb -> {
                int rEnd = Math.min(o, rb * 16 + 16);
                for (int s0 = rb * 16 / stripe * stripe; s0 < o; s0 += stripe) {
                    int s1 = Math.min(o, s0 + stripe);
                    for (int r = rb * 16; r < rEnd; r++) if (s1 > r) covStripe(bt, vt, cov, r, Math.max(s0, r), s1, o, og, lc, lin);
                }
            });
            if (in.spatial() != null) {
                for (int u = 0; u < taps; u++) {
                    double s = 0;
                    for (int r = 0; r < o; r++) {
                        int g = r / og;
                        for (int j = 0; j < lc; j++) s += bt[r * lin + g * lc + j] * w[(r * cg + live[j]) * taps + u];
                    }
                    kt[t][u] = s;
                }
            }
        }
        for (int r = 0; r < o; r++) for (int r2 = 0; r2 < r; r2++) cov[r * o + r2] = cov[r2 * o + r];
        double[] sp = null;
        if (in.spatial() != null) {
            sp = new double[GRID * GRID];
            double z = 0;
            for (int t = 0; t < taps; t++) for (int u = 0; u < taps; u++) z += kt[t][u] * rt[t][u];
            for (int dy = -LAG; dy <= LAG; dy++) {
                for (int dx = -LAG; dx <= LAG; dx++) {
                    double s = 0;
                    for (int t = 0; t < taps; t++) {
                        for (int u = 0; u < taps; u++) {
                            s += kt[t][u] * in.r(str[0] * dy + dil[0] * (u / k[1] - t / k[1]), str[1] * dx + dil[1] * (u % k[1] - t % k[1]));
                        }
                    }
                    sp[(dy + LAG) * GRID + dx + LAG] = z > 0 ? s / z : (dy == 0 && dx == 0 ? 1 : 0);
                }
            }
        }
        return new Moments(1, mu, cov, sp, in.via());
    }

    /** Input channels (of cg per group) with a nonzero weight in some row and tap, ascending. */
    private static int[] liveInputs(float[] w, int o, int cg, int taps) {
        boolean[] any = new boolean[cg];
        int count = 0;
        for (int r = 0; r < o; r++) {
            for (int c = 0; c < cg; c++) {
                if (any[c]) continue;
                for (int t = 0; t < taps; t++) {
                    if (w[(r * cg + c) * taps + t] != 0) {
                        any[c] = true;
                        count++;
                        break;
                    }
                }
            }
            if (count == cg) break;
        }
        int[] live = new int[count];
        for (int c = 0, k = 0; c < cg; c++) if (any[c]) live[k++] = c;
        return live;
    }

    /** Σ (cin × cin) restricted to the live channels of every group: (groups·lc)², group-major. */
    private static double[] liveCov(double[] sig, int cin, int cg, int groups, int[] live) {
        int lc = live.length, lin = lc * groups;
        int[] at = new int[lin];
        for (int g = 0; g < groups; g++) for (int j = 0; j < lc; j++) at[g * lc + j] = g * cg + live[j];
        double[] s = new double[lin * lin];
        for (int a = 0; a < lin; a++) for (int b = 0; b < lin; b++) s[a * lin + b] = sig[at[a] * cin + at[b]];
        return s;
    }

    /** cov[r][r2] += Σ_c B_t[r][group(r2)·cg + c] · V_t[r2][c] for r2 in [r2s, r2e): eight at a time, then one by one. */
    private static void covStripe(double[] bt, double[] vt, double[] cov, int r, int r2s, int r2e, int o, int og, int cg, int cin) {
        int r2 = r2s;
        // eight outputs at a time: independent sums (each in the same order as one at a time)
        for (; r2 + 7 < r2e; r2 += 8) {
            int b0 = r * cin + (r2 / og) * cg, b1 = r * cin + ((r2 + 1) / og) * cg;
            int b2 = r * cin + ((r2 + 2) / og) * cg, b3 = r * cin + ((r2 + 3) / og) * cg;
            int b4 = r * cin + ((r2 + 4) / og) * cg, b5 = r * cin + ((r2 + 5) / og) * cg;
            int b6 = r * cin + ((r2 + 6) / og) * cg, b7 = r * cin + ((r2 + 7) / og) * cg;
            int v0 = r2 * cg, v1 = v0 + cg, v2 = v1 + cg, v3 = v2 + cg;
            int v4 = v3 + cg, v5 = v4 + cg, v6 = v5 + cg, v7 = v6 + cg;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            for (int c = 0; c < cg; c++) {
                s0 += bt[b0 + c] * vt[v0 + c];
                s1 += bt[b1 + c] * vt[v1 + c];
                s2 += bt[b2 + c] * vt[v2 + c];
                s3 += bt[b3 + c] * vt[v3 + c];
                s4 += bt[b4 + c] * vt[v4 + c];
                s5 += bt[b5 + c] * vt[v5 + c];
                s6 += bt[b6 + c] * vt[v6 + c];
                s7 += bt[b7 + c] * vt[v7 + c];
            }
            cov[r * o + r2] += s0;
            cov[r * o + r2 + 1] += s1;
            cov[r * o + r2 + 2] += s2;
            cov[r * o + r2 + 3] += s3;
            cov[r * o + r2 + 4] += s4;
            cov[r * o + r2 + 5] += s5;
            cov[r * o + r2 + 6] += s6;
            cov[r * o + r2 + 7] += s7;
        }
        for (; r2 < r2e; r2++) {
            int g2 = r2 / og;
            double s = 0;
            for (int c = 0; c < cg; c++) s += bt[r * cin + g2 * cg + c] * vt[r2 * cg + c];
            cov[r * o + r2] += s;
        }
    }

    /** y = W x (+ b); W stored [in, out] unless {@code transposed} ([out, in]). */
    private Moments dense(Moments in, float[] w, int rows, int cols, boolean transposed, float[] bias, int axis) {
        int out1 = transposed ? rows : cols, f1 = transposed ? cols : rows;
        int out = out1 * copies, f = f1 * copies;
        if (f != in.size()) return null;
        double[] mu = new double[out], cov = new double[out * out];
        double[] wm = new double[out * f]; // block-diagonal over copies
        for (int q = 0; q < copies; q++) {
            int base = q * rows * cols;
            for (int r = 0; r < out1; r++) {
                for (int i = 0; i < f1; i++) {
                    wm[(q * out1 + r) * f + q * f1 + i] = transposed ? w[base + r * f1 + i] : w[base + i * out1 + r];
                }
            }
        }
        double[] a = new double[out * f]; // W Σ
        double[] sig = in.cov();
        double[] mean = in.mean();
        for (int r = 0; r < out; r++) {
            double m = bias != null && bias.length == out ? bias[r] : bias != null && bias.length == copies ? bias[r / out1] : 0;
            for (int i = 0; i < f; i++) m += wm[r * f + i] * mean[i];
            mu[r] = m;
        }
        // A = W Σ, four rows per pass over Σ's rows, split over cores (each entry summed over i in the same order; a zero
        // weight adds +0 to a sum that starts at +0, the same as skipping it)
        rows((out + 3) / 4, (long) out * f * f, qd -> {
            int r0 = qd * 4, r1 = Math.min(out, r0 + 4);
            if (r1 - r0 < 4) {
                for (int r = r0; r < r1; r++) {
                    for (int i = 0; i < f; i++) {
                        double x = wm[r * f + i];
                        if (x == 0) continue;
                        for (int j = 0; j < f; j++) a[r * f + j] += x * sig[i * f + j];
                    }
                }
                return;
            }
            int o0 = r0 * f, o1 = o0 + f, o2 = o1 + f, o3 = o2 + f;
            for (int i = 0; i < f; i++) {
                double x0 = wm[o0 + i], x1 = wm[o1 + i], x2 = wm[o2 + i], x3 = wm[o3 + i];
                if (x0 == 0 && x1 == 0 && x2 == 0 && x3 == 0) continue;
                int row = i * f;
                for (int j = 0; j < f; j++) {
                    double v = sig[row + j];
                    a[o0 + j] += x0 * v;
                    a[o1 + j] += x1 * v;
                    a[o2 + j] += x2 * v;
                    a[o3 + j] += x3 * v;
                }
            }
        });
        // cov = A Wᵀ (lower triangle, mirrored), four entries of a row at a time, rows split over cores
        rows(out, (long) out * out * f / 2, r -> {
            int r2 = 0, or = r * f;
            for (; r2 + 3 <= r; r2 += 4) {
                int v0 = r2 * f, v1 = v0 + f, v2 = v1 + f, v3 = v2 + f;
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (int j = 0; j < f; j++) {
                    double x = a[or + j];
                    s0 += x * wm[v0 + j];
                    s1 += x * wm[v1 + j];
                    s2 += x * wm[v2 + j];
                    s3 += x * wm[v3 + j];
                }
                cov[r * out + r2] = cov[r2 * out + r] = s0;
                cov[r * out + r2 + 1] = cov[(r2 + 1) * out + r] = s1;
                cov[r * out + r2 + 2] = cov[(r2 + 2) * out + r] = s2;
                cov[r * out + r2 + 3] = cov[(r2 + 3) * out + r] = s3;
            }
            for (; r2 <= r; r2++) {
                double s = 0;
                for (int j = 0; j < f; j++) s += a[or + j] * wm[r2 * f + j];
                cov[r * out + r2] = cov[r2 * out + r] = s;
            }
        });
        return new Moments(axis, mu, cov, null, in.via());
    }

    private Moments gemm(Node n) {
        float[] w = constant(n.input(1));
        if (w == null || n.attrInt("transA", 0) != 0) return null;
        if (n.attrFloat("alpha", 1f) != 1f || n.attrFloat("beta", 1f) != 1f) return null;
        long[] d = dims(n.input(1));
        if (d.length != 2) return null;
        boolean tb = n.attrInt("transB", 0) != 0;
        Moments in = inputOrWhite(n.input(0), (int) (tb ? d[1] : d[0]) * copies, 1);
        if (in == null || in.axis() != 1) return null;
        return dense(in, w, (int) d[0], (int) d[1], tb, constant(n.input(2)), 1);
    }

    private Moments matmul(Node n) {
        float[] w = constant(n.input(1));
        if (w == null) return null;
        long[] d = dims(n.input(1));
        if (d.length != 2) return null;
        int rank = rank(n.input(0));
        Moments in = inputOrWhite(n.input(0), (int) d[0] * copies, rank - 1);
        if (in == null || in.axis() != rank - 1) return null;
        return dense(in, w, (int) d[0], (int) d[1], false, null, Math.max(0, rank(n.output(0)) - 1));
    }

    private Moments gather(Node n) {
        float[] table = original(n.input(0));
        if (table == null || graph.isConstant(n.input(1)) || n.attrInt("axis", 0) != 0) return null;
        long[] d = dims(n.input(0));
        if (d.length != 2) return null;
        int v = (int) d[0], c = (int) d[1];
        if (c > MAX_CHANNELS) return null;
        double[] mu = new double[c], cov = new double[c * c];
        for (int r = 0; r < v; r++) for (int i = 0; i < c; i++) mu[i] += table[r * c + i] / (double) v;
        for (int r = 0; r < v; r++) {
            for (int i = 0; i < c; i++) {
                double di = table[r * c + i] - mu[i];
                for (int j = 0; j <= i; j++) cov[i * c + j] += di * (table[r * c + j] - mu[j]) / v;
            }
        }
        for (int i = 0; i < c; i++) for (int j = 0; j < i; j++) cov[j * c + i] = cov[i * c + j];
        int rank = rank(n.output(0));
        if (rank < 1) return null;
        if (copies > 1) { // both copies read the same rows
            int cc = c * copies;
            double[] mu2 = new double[cc], cov2 = new double[cc * cc];
            for (int i = 0; i < cc; i++) {
                mu2[i] = mu[i % c];
                for (int j = 0; j < cc; j++) cov2[i * cc + j] = cov[(i % c) * c + j % c];
            }
            mu = mu2;
            cov = cov2;
        }
        return new Moments(rank - 1, mu, cov, null, "embedding table " + n.input(0));
    }
}
