package dev.lopper.prune.obspa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.runtime.EvalSession;
import dev.lopper.runtime.HostTensor;
import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.SessionConfig;
import dev.lopper.importance.Weights;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.prune.GroupPlan;
import dev.lopper.prune.PlanApplier;
import dev.lopper.prune.PruningSession;
import dev.lopper.task.Progress;
import dev.lopper.testutil.ModelBuilder;

/**
 * Data-free full moments against closed forms and Monte Carlo: the bivariate normal CDF and ReLU cross moment,
 * Gauss–Hermite cross moments, Σ propagated through a random Linear+ReLU stack, and OBS compensation of a single
 * Linear and a single Conv with a known input covariance (compensated error = OBS optimum ≤ uncompensated).
 */
class CovarianceMomentsTest {
    @TempDir
    Path dir;

    // ---------------- bivariate normal ----------------

    @Test
    void bivariateNormalCdfMatchesClosedFormsAndMonteCarlo() {
        for (double rho : new double[] {-0.99, -0.6, 0, 0.3, 0.8, 0.95, 0.999}) {
            assertEquals(0.25 + Math.asin(rho) / (2 * Math.PI), BivariateMoments.cdf(0, 0, rho), 1e-6, "Φ₂(0, 0; " + rho + ")");
        }
        assertEquals(GaussianMoments.cdf(0.7) * GaussianMoments.cdf(-1.2), BivariateMoments.cdf(0.7, -1.2, 0), 1e-9);
        Random r = new Random(1);
        double[][] cases = {{1.0, -0.5, 0.7}, {-0.3, 0.4, -0.8}, {2.0, 1.5, 0.97}, {0.5, -1.5, 0.4}};
        int n = 400_000;
        for (double[] c : cases) {
            int hit = 0;
            double s = Math.sqrt(1 - c[2] * c[2]);
            for (int i = 0; i < n; i++) {
                double x = r.nextGaussian(), y = c[2] * x + s * r.nextGaussian();
                if (x < c[0] && y < c[1]) hit++;
            }
            assertEquals((double) hit / n, BivariateMoments.cdf(c[0], c[1], c[2]), 3e-3, "Φ₂" + java.util.Arrays.toString(c));
        }
    }

    /**
     * A conv whose weights are 0 for some input channels in every row and tap (pruned, as on the compensated model that
     * BatchNormalization re-estimation propagates): the output Σ leaves those channels out, and is bit for bit the
     * full sums, zero terms included (Σ_t Σ_c B_t[r][c] V_t[r2][c], B_t = W_t Σ, V_t[r2][c] = Σ_u r(u − t) W[r2, c, u]).
     */
    @Test
    void convSkippingZeroInputChannelsGivesTheFullSumsBitForBit() {
        Random r = new Random(17);
        int c0 = 3, cg = 10, o = 12, taps = 9;
        float[] wb = values(r, o * cg * taps, Math.sqrt(2.0 / (cg * taps)));
        for (int row = 0; row < o; row++) for (int c : new int[] {2, 5, 9}) for (int t = 0; t < taps; t++) wb[(row * cg + c) * taps + t] = 0;
        ModelBuilder mb = ModelBuilder.create("dead").input("x", 1, c0, 8, 8);
        mb.floats("a.w", new long[] {cg, c0, 3, 3}, values(r, cg * c0 * taps, Math.sqrt(2.0 / (c0 * taps))));
        mb.floats("b.w", new long[] {o, cg, 3, 3}, wb);
        mb.node("Conv", "a", List.of("x", "a.w"), "kernel_shape", new long[] {3, 3}, "pads", new long[] {1, 1, 1, 1});
        mb.relu("ra", "a");
        mb.node("Conv", "b", List.of("ra", "b.w"), "kernel_shape", new long[] {3, 3}, "pads", new long[] {1, 1, 1, 1});
        mb.output("b");
        var graph = mb.graph();
        CovarianceMoments cm = CovarianceMoments.of(graph, Weights.of(graph), false);
        CovarianceMoments.Moments in = cm.of("ra", 1).orElseThrow(), out = cm.of("b", 1).orElseThrow();
        double[] sig = in.cov(), ref = new double[o * o];
        for (int t = 0; t < taps; t++) {
            double[] bt = new double[o * cg], vt = new double[o * cg];
            for (int row = 0; row < o; row++) {
                for (int c = 0; c < cg; c++) {
                    double x = wb[(row * cg + c) * taps + t];
                    for (int c2 = 0; c2 < cg; c2++) bt[row * cg + c2] += x * sig[c * cg + c2];
                    double v = 0;
                    for (int u = 0; u < taps; u++) v += in.r(u / 3 - t / 3, u % 3 - t % 3) * wb[(row * cg + c) * taps + u];
                    vt[row * cg + c] = v;
                }
            }
            for (int row = 0; row < o; row++) {
                for (int r2 = row; r2 < o; r2++) {
                    double s = 0;
                    for (int c = 0; c < cg; c++) s += bt[row * cg + c] * vt[r2 * cg + c];
                    ref[row * o + r2] += s;
                }
            }
        }
        assertTrue(in.spatial() != null && in.r(0, 1) != 0, "a spatially correlated input");
        for (int row = 0; row < o; row++) {
            for (int r2 = row; r2 < o; r2++) {
                assertEquals(Double.doubleToLongBits(ref[row * o + r2]), Double.doubleToLongBits(out.cov()[row * o + r2]), row + "," + r2);
                assertEquals(Double.doubleToLongBits(ref[row * o + r2]), Double.doubleToLongBits(out.cov()[r2 * o + row]), r2 + "," + row);
            }
        }
    }

    /**
     * The spatial correlation after a ReLU on a wide tensor (channels' terms computed over cores) is, bit for bit, the
     * channel-by-channel sum: r'(δ) = Σ_c (E[f(x_c(p)) f(x_c(p+δ))] − E[f]²) / Σ_c Var f.
     */
    @Test
    void reluSpatialCorrelationOnAWideTensorIsTheInOrderSum() {
        Random r = new Random(23);
        int c0 = 3, c = 320, taps = 9;
        ModelBuilder mb = ModelBuilder.create("wide").input("x", 1, c0, 8, 8);
        mb.floats("a.w", new long[] {c, c0, 3, 3}, values(r, c * c0 * taps, Math.sqrt(2.0 / (c0 * taps))));
        mb.floats("a.b", new long[] {c}, values(r, c, 0.3));
        mb.floats("b.w", new long[] {2, c, 1, 1}, values(r, 2 * c, 0.1));
        mb.floats("d.w", new long[] {2, c, 1, 1}, values(r, 2 * c, 0.1));
        mb.node("Conv", "a", List.of("x", "a.w", "a.b"), "kernel_shape", new long[] {3, 3}, "pads", new long[] {1, 1, 1, 1});
        mb.relu("ra", "a");
        mb.node("Conv", "b", List.of("ra", "b.w"), "kernel_shape", new long[] {1, 1});
        mb.node("Conv", "d", List.of("a", "d.w"), "kernel_shape", new long[] {1, 1});
        mb.output("b");
        mb.output("d");
        var graph = mb.graph();
        CovarianceMoments cm = CovarianceMoments.of(graph, Weights.of(graph), false);
        CovarianceMoments.Moments in = cm.of("a", 1).orElseThrow(), out = cm.of("ra", 1).orElseThrow();
        int grid = 2 * CovarianceMoments.LAG + 1, centre = CovarianceMoments.LAG * grid + CovarianceMoments.LAG;
        double[] ref = new double[grid * grid];
        double total = 0;
        for (int ch = 0; ch < c; ch++) {
            double m = in.mean()[ch], v = in.var(ch);
            double[] mv = GaussianMoments.relu(m, v);
            if (!(mv[1] > 0)) continue;
            total += mv[1];
            for (int k = 0; k < ref.length; k++) {
                double rk = in.spatial()[k];
                if (k == centre) ref[k] += mv[1];
                else if (rk != 0) ref[k] += BivariateMoments.reluCross(m, v, m, v, rk * v) - mv[0] * mv[0];
            }
        }
        for (int k = 0; k < ref.length; k++) ref[k] /= total;
        assertTrue(in.r(1, 1) != 0, "a spatially correlated input");
        for (int k = 0; k < ref.length; k++) assertEquals(Double.doubleToLongBits(ref[k]), Double.doubleToLongBits(out.spatial()[k]), "lag " + k);
    }

    /** BN re-estimation propagates only the nodes that reach a BatchNormalization: the head after the last one is left out. */
    @Test
    void reestimationLeavesOutTheNodesAfterTheLastBatchNorm() {
        Random r = new Random(29);
        ModelBuilder mb = ModelBuilder.create("tail").input("x", 1, 2, 6, 6);
        mb.floats("a.w", new long[] {4, 2, 3, 3}, values(r, 72, 0.3));
        mb.floats("b.w", new long[] {4, 4, 1, 1}, values(r, 16, 0.5));
        for (String bn : new String[] {"n1", "n2"}) {
            mb.floats(bn + ".s", new long[] {4}, 1f, 0.8f, 1.1f, 0.9f);
            mb.floats(bn + ".b", new long[] {4}, 0.1f, 0f, -0.1f, 0.2f);
            mb.floats(bn + ".m", new long[] {4}, 0f, 0.1f, 0f, -0.1f);
            mb.floats(bn + ".v", new long[] {4}, 1f, 2f, 1.5f, 0.5f);
        }
        mb.node("Conv", "a", List.of("x", "a.w"), "kernel_shape", new long[] {3, 3});
        mb.node("BatchNormalization", "n1", List.of("a", "n1.s", "n1.b", "n1.m", "n1.v"));
        mb.relu("r1", "n1");
        mb.node("Conv", "b", List.of("r1", "b.w"), "kernel_shape", new long[] {1, 1});
        mb.node("BatchNormalization", "n2", List.of("b", "n2.s", "n2.b", "n2.m", "n2.v"));
        mb.relu("r2", "n2");
        mb.globalAvgPool("p", "r2");
        mb.flatten("f", "p");
        mb.gemm("g", "f", 4, 3);
        mb.output("g");
        var graph = mb.graph();
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (var n : CovarianceMoments.feedingBatchNorms(graph)) names.add(n.name());
        assertEquals(new java.util.TreeSet<>(List.of("a", "n1", "r1", "b", "n2")), names);
        Weights w = Weights.of(graph);
        Map<String, float[][]> stats = CovarianceMoments.reestimate(graph, w, CovarianceMoments.of(graph, w), Map.of());
        assertEquals(new java.util.TreeSet<>(List.of("n1", "n2")), new java.util.TreeSet<>(stats.keySet()));
    }

    /** {mean, standard error} of f(X)g(Y) over n correlated Gaussian draws. */
    private static double[] monteCarlo(DoubleUnaryOperator f, DoubleUnaryOperator g, double mx, double vx, double my, double vy,
                                       double cov, int n, long seed) {
        Random r = new Random(seed);
        double sx = Math.sqrt(vx), sy = Math.sqrt(vy), rho = cov / (sx * sy), s = Math.sqrt(1 - rho * rho);
        double m = 0, m2 = 0;
        for (int i = 0; i < n; i++) {
            double a = r.nextGaussian(), b = rho * a + s * r.nextGaussian();
            double v = f.applyAsDouble(mx + sx * a) * g.applyAsDouble(my + sy * b);
            m += v;
            m2 += v * v;
        }
        m /= n;
        return new double[] {m, Math.sqrt(Math.max(0, m2 / n - m * m) / n)};
    }

    @Test
    void reluCrossMomentMatchesMonteCarlo() {
        DoubleUnaryOperator relu = x -> Math.max(0, x);
        double[][] cases = {{0.3, 1.0, -0.2, 2.0, 0.9}, {-1.0, 0.5, 0.4, 1.5, -0.6}, {0, 1, 0, 1, 0.999}, {1.5, 0.2, -2, 1, 0.3},
                {0.2, 3, 0.1, 0.5, 0}};
        int k = 0;
        for (double[] c : cases) {
            double cov = c[4] * Math.sqrt(c[1] * c[3]);
            double[] mc = monteCarlo(relu, relu, c[0], c[1], c[2], c[3], cov, 1_000_000, 10 + k++);
            double got = BivariateMoments.reluCross(c[0], c[1], c[2], c[3], cov);
            assertEquals(mc[0], got, 4 * mc[1] + 1e-4, "E[relu·relu] " + java.util.Arrays.toString(c));
        }
        // ρ = 0: the product of the marginal means
        assertEquals(GaussianMoments.relu(0.3, 1)[0] * GaussianMoments.relu(-0.5, 2)[0], BivariateMoments.reluCross(0.3, 1, -0.5, 2, 0), 1e-9);
    }

    @Test
    void gaussHermiteCrossMomentMatchesMonteCarlo() {
        DoubleUnaryOperator gelu = x -> 0.5 * x * (1 + GaussianMoments.erf(x / Math.sqrt(2)));
        DoubleUnaryOperator tanh = Math::tanh;
        double[] mc = monteCarlo(gelu, gelu, 0.2, 1.0, -0.4, 0.8, 0.6, 1_000_000, 3);
        assertEquals(mc[0], BivariateMoments.cross(gelu, gelu, 0.2, 1.0, -0.4, 0.8, 0.6), 4 * mc[1] + 1e-4);
        mc = monteCarlo(tanh, tanh, 0.5, 2.0, 0.1, 1.0, -0.9, 1_000_000, 4);
        assertEquals(mc[0], BivariateMoments.cross(tanh, tanh, 0.5, 2.0, 0.1, 1.0, -0.9), 4 * mc[1] + 1e-3);
        DoubleUnaryOperator relu = x -> Math.max(0, x);
        assertEquals(BivariateMoments.reluCross(0.3, 1, -0.2, 2, 0.5), BivariateMoments.cross(relu, relu, 0.3, 1, -0.2, 2, 0.5), 5e-3,
                "quadrature ≈ closed form for ReLU");
    }

    // ---------------- propagation through a random Linear + ReLU stack ----------------

    private static float[] values(Random r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * scale);
        return v;
    }

    /** Relative Frobenius distance ‖a − b‖ / ‖b‖. */
    private static double relDiff(double[] a, double[] b) {
        double d = 0, t = 0;
        for (int i = 0; i < a.length; i++) {
            d += (a[i] - b[i]) * (a[i] - b[i]);
            t += b[i] * b[i];
        }
        return Math.sqrt(d / t);
    }

    @Test
    void propagatedCovarianceOfLinearReluStackMatchesMonteCarlo() {
        Random r = new Random(5);
        int f0 = 16, f1 = 32, f2 = 12; // weights ~ N(0, 2/fan-in), as trained layers roughly are
        float[] w1 = values(r, f1 * f0, Math.sqrt(2.0 / f0)), b1 = values(r, f1, 0.3);
        float[] w2 = values(r, f2 * f1, Math.sqrt(2.0 / f1)), b2 = values(r, f2, 0.3);
        ModelBuilder mb = ModelBuilder.create("stack").input("x", -1, f0);
        mb.floats("g1.w", new long[] {f1, f0}, w1);
        mb.floats("g1.b", new long[] {f1}, b1);
        mb.floats("g2.w", new long[] {f2, f1}, w2);
        mb.floats("g2.b", new long[] {f2}, b2);
        mb.node("Gemm", "g1", List.of("x", "g1.w", "g1.b"), "transB", 1);
        mb.relu("r1", "g1");
        mb.node("Gemm", "g2", List.of("r1", "g2.w", "g2.b"), "transB", 1);
        mb.relu("r2", "g2");
        mb.gemm("g3", "r2", f2, 3);
        mb.output("g3");
        var graph = mb.graph();
        Weights w = Weights.of(graph);
        CovarianceMoments cm = CovarianceMoments.of(graph, w);
        CovarianceMoments.Moments m1 = cm.of("r1", 1).orElseThrow(), m2 = cm.of("r2", 1).orElseThrow();

        // Monte Carlo with the propagation's own input model: x ~ N(0, I)
        int n = 400_000;
        double[] mu1 = new double[f1], s1 = new double[f1 * f1], mu2 = new double[f2], s2 = new double[f2 * f2];
        Random q = new Random(6);
        double[] x = new double[f0], h1 = new double[f1], h2 = new double[f2];
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < f0; i++) x[i] = q.nextGaussian();
            for (int o = 0; o < f1; o++) {
                double a = b1[o];
                for (int i = 0; i < f0; i++) a += w1[o * f0 + i] * x[i];
                h1[o] = Math.max(0, a);
                mu1[o] += h1[o] / n;
            }
            for (int o = 0; o < f2; o++) {
                double a = b2[o];
                for (int i = 0; i < f1; i++) a += w2[o * f1 + i] * h1[i];
                h2[o] = Math.max(0, a);
                mu2[o] += h2[o] / n;
            }
            for (int i = 0; i < f1; i++) for (int j = 0; j < f1; j++) s1[i * f1 + j] += h1[i] * h1[j] / n;
            for (int i = 0; i < f2; i++) for (int j = 0; j < f2; j++) s2[i * f2 + j] += h2[i] * h2[j] / n;
        }
        for (int i = 0; i < f1; i++) for (int j = 0; j < f1; j++) s1[i * f1 + j] -= mu1[i] * mu1[j];
        for (int i = 0; i < f2; i++) for (int j = 0; j < f2; j++) s2[i * f2 + j] -= mu2[i] * mu2[j];
        // after the first ReLU the pre-activations are exactly Gaussian: only Monte-Carlo noise (stated tolerance 1 %)
        double d1 = relDiff(m1.cov(), s1), dm1 = relDiff(m1.mean(), mu1);
        assertTrue(d1 < 0.01 && dm1 < 0.01, "layer 1: Σ off by " + d1 + ", μ by " + dm1);
        // the second ReLU sees a non-Gaussian input (a sum of rectified units) modelled as Gaussian: stated tolerance
        // 15 % on Σ (measured 13 %), 5 % on μ (measured 1.5 %)
        double d2 = relDiff(m2.cov(), s2), dm2 = relDiff(m2.mean(), mu2);
        assertTrue(d2 < 0.15 && dm2 < 0.05, "layer 2: Σ off by " + d2 + ", μ by " + dm2);
        // and the diagonal model misses the off-diagonal mass entirely
        double[] diag = s1.clone();
        for (int i = 0; i < f1; i++) for (int j = 0; j < f1; j++) if (i != j) diag[i * f1 + j] = 0;
        assertTrue(relDiff(diag, s1) > 5 * d1, "the channels of this stack are correlated");
        w.clear();
    }

    // ---------------- OBS on a single Linear / Conv with a known input covariance ----------------

    /** {OBS optimum Σ_rows w_Q (H⁻¹_QQ)⁻¹ w_Qᵀ, plain removal Σ_rows w_Q H_QQ w_Qᵀ} for weights rows × n and removed columns q. */
    private static double[] closedForm(double[][] w, double[] h, int n, int[] q) {
        double[] hinv = ObspaTest.invert(h, n);
        int b = q.length;
        double[] hq = new double[b * b];
        for (int i = 0; i < b; i++) for (int j = 0; j < b; j++) hq[i * b + j] = hinv[q[i] * n + q[j]];
        double[] mq = ObspaTest.invert(hq, b);
        double opt = 0, plain = 0;
        for (double[] row : w) {
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < b; j++) {
                    opt += row[q[i]] * mq[i * b + j] * row[q[j]];
                    plain += row[q[i]] * h[q[i] * n + q[j]] * row[q[j]];
                }
            }
        }
        return new double[] {opt, plain};
    }

    private Path save(ModelProto m, String name) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, m.toByteArray());
        return p;
    }

    /** Σ over outputs of E[(y − y₀)²] per output position, with x ~ N(0, I) of the given dims (batch first). */
    private static double outputError(ModelProto a, ModelProto b, long[] dims, int positions, long seed) {
        int n = (int) dims[0], per = 1;
        for (int i = 1; i < dims.length; i++) per *= (int) dims[i];
        float[] x = new float[n * per];
        Random r = new Random(seed);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        HostTensor in = HostTensor.ofFloats(dims, x);
        double[] ya = runAll(a, in), yb = runAll(b, in);
        double t = 0;
        for (int i = 0; i < ya.length; i++) t += (ya[i] - yb[i]) * (ya[i] - yb[i]);
        return t / n / positions;
    }

    private static double[] runAll(ModelProto m, HostTensor x) {
        try (EvalSession s = EvalSession.open(ModelSource.of(m, null, "m"), SessionConfig.DEFAULT)) {
            HostTensor y = s.run(Map.of("x", x)).values().iterator().next();
            long size = 1;
            for (int i = 0; i < y.rank(); i++) size *= y.dim(i);
            double[] out = new double[(int) size];
            for (int i = 0; i < out.length; i++) out[i] = y.get(i);
            return out;
        }
    }

    private static CoupledGroup group(PruningSession s, String producer) {
        for (CoupledGroup g : s.groups()) if (g.isPrunable() && g.id().contains(producer)) return g;
        throw new AssertionError("no prunable group of " + producer);
    }

    @Test
    void linearWithKnownInputCovarianceIsCompensatedToTheObsOptimum() throws Exception {
        Random r = new Random(21);
        int f0 = 10, f1 = 8, out = 4;
        float[] a = values(r, f1 * f0, 0.5), ab = values(r, f1, 0.5), bw = values(r, out * f1, 0.7), bb = values(r, out, 0.1);
        ModelBuilder mb = ModelBuilder.create("lin").input("x", -1, f0);
        mb.floats("a.w", new long[] {f1, f0}, a);
        mb.floats("a.b", new long[] {f1}, ab);
        mb.floats("b.w", new long[] {out, f1}, bw);
        mb.floats("b.b", new long[] {out}, bb);
        mb.node("Gemm", "a", List.of("x", "a.w", "a.b"), "transB", 1);
        mb.node("Gemm", "b", List.of("a", "b.w", "b.b"), "transB", 1);
        mb.output("b");
        ModelProto original = mb.build();
        PruningSession s = PruningSession.open(save(original, "lin.onnx"), Map.of(), Progress.NONE);
        CoupledGroup g = group(s, "a");
        int[] removed = {1, 4, 6};
        Map<String, GroupPlan> plan = Map.of(g.id(), new GroupPlan(g.id(), f1, PlanApplier.keepAllBut(f1, removed)));
        ModelProto plain = s.rewrite(plan);
        s.setCompensation(Obspa.compensation(s, Obspa.dataFreeSource(s.graph(), 1e-10, MomentModel.FULL, Progress.NONE)));
        ModelProto comp = s.rewrite(plan);

        // known input of b for x ~ N(0, I): mean a.b, covariance A Aᵀ; H over [h; 1]
        int n = f1 + 1;
        double[] h = new double[n * n];
        for (int i = 0; i < f1; i++) {
            for (int j = 0; j < f1; j++) {
                double c = 0;
                for (int k = 0; k < f0; k++) c += a[i * f0 + k] * a[j * f0 + k];
                h[i * n + j] = c + ab[i] * ab[j];
            }
            h[i * n + f1] = h[f1 * n + i] = ab[i];
        }
        h[n * n - 1] = 1;
        double[][] w = new double[out][n];
        for (int o = 0; o < out; o++) for (int i = 0; i < f1; i++) w[o][i] = bw[o * f1 + i];
        double[] cf = closedForm(w, h, n, removed);
        double eComp = outputError(original, comp, new long[] {20_000, f0}, 1, 1);
        double ePlain = outputError(original, plain, new long[] {20_000, f0}, 1, 1);
        assertEquals(cf[1], ePlain, 0.05 * cf[1], "plain removal: Σ w_Q H_QQ w_Qᵀ");
        assertEquals(cf[0], eComp, 0.05 * cf[0], "compensated: the OBS optimum Σ w_Q (H⁻¹_QQ)⁻¹ w_Qᵀ");
        assertTrue(eComp < ePlain, "compensated " + eComp + " vs uncompensated " + ePlain);
    }

    @Test
    void convWithKnownSpatiallyCorrelatedInputIsCompensatedToTheObsOptimum() throws Exception {
        // x white → depthwise blur K (same kernel on every channel) → 1×1 conv A (the pruned group) → 3×3 conv B;
        // B's input has channel covariance ‖K‖² A Aᵀ and tap correlation (K ⋆ K)/‖K‖²: exactly Σ ⊗ S. All convs valid.
        Random r = new Random(31);
        int c0 = 6, c1 = 6, out = 3, size = 10;
        float[] k = {0.2f, 0.5f, 0.1f, 0.6f, 1.0f, 0.4f, 0.1f, 0.3f, 0.2f};
        float[] blur = new float[c0 * 9];
        for (int c = 0; c < c0; c++) System.arraycopy(k, 0, blur, c * 9, 9);
        float[] a = values(r, c1 * c0, 0.5), ab = values(r, c1, 0.5), bw = values(r, out * c1 * 9, 0.4), bb = values(r, out, 0.1);
        ModelBuilder mb = ModelBuilder.create("cnn").input("x", -1, c0, size, size);
        mb.floats("k.w", new long[] {c0, 1, 3, 3}, blur);
        mb.floats("a.w", new long[] {c1, c0, 1, 1}, a);
        mb.floats("a.b", new long[] {c1}, ab);
        mb.floats("b.w", new long[] {out, c1, 3, 3}, bw);
        mb.floats("b.b", new long[] {out}, bb);
        mb.node("Conv", "k", List.of("x", "k.w"), "kernel_shape", new long[] {3, 3}, "group", (long) c0);
        mb.node("Conv", "a", List.of("k", "a.w", "a.b"), "kernel_shape", new long[] {1, 1});
        mb.node("Conv", "b", List.of("a", "b.w", "b.b"), "kernel_shape", new long[] {3, 3});
        mb.output("b");
        ModelProto original = mb.build();
        PruningSession s = PruningSession.open(save(original, "cnn.onnx"), Map.of(), Progress.NONE);
        CoupledGroup g = group(s, "g:a/out");
        int[] removed = {0, 3};
        Map<String, GroupPlan> plan = Map.of(g.id(), new GroupPlan(g.id(), c1, PlanApplier.keepAllBut(c1, removed)));
        ModelProto plain = s.rewrite(plan);
        s.setCompensation(Obspa.compensation(s, Obspa.dataFreeSource(s.graph(), 1e-10, MomentModel.FULL, Progress.NONE)));
        ModelProto comp = s.rewrite(plan);

        double kk = 0;
        for (float v : k) kk += v * v;
        int f = c1 * 9, n = f + 1;
        double[] h = new double[n * n];
        for (int p = 0; p < c1; p++) {
            for (int q = 0; q < c1; q++) {
                double sig = 0;
                for (int i = 0; i < c0; i++) sig += a[p * c0 + i] * a[q * c0 + i];
                sig *= kk;
                for (int t = 0; t < 9; t++) {
                    for (int u = 0; u < 9; u++) {
                        int dy = u / 3 - t / 3, dx = u % 3 - t % 3;
                        double auto = 0; // (K ⋆ K)(dy, dx) / ‖K‖²
                        for (int y = 0; y < 3; y++) for (int x = 0; x < 3; x++) {
                            int y2 = y + dy, x2 = x + dx;
                            if (y2 >= 0 && y2 < 3 && x2 >= 0 && x2 < 3) auto += k[y * 3 + x] * k[y2 * 3 + x2];
                        }
                        h[(p * 9 + t) * n + q * 9 + u] = sig * auto / kk + ab[p] * ab[q];
                    }
                }
            }
            for (int t = 0; t < 9; t++) h[(p * 9 + t) * n + f] = h[f * n + p * 9 + t] = ab[p];
        }
        h[n * n - 1] = 1;
        double[][] w = new double[out][n];
        for (int o = 0; o < out; o++) for (int j = 0; j < f; j++) w[o][j] = bw[o * f + j];
        int[] q = new int[removed.length * 9];
        for (int i = 0; i < removed.length; i++) for (int t = 0; t < 9; t++) q[i * 9 + t] = removed[i] * 9 + t;
        double[] cf = closedForm(w, h, n, q);
        int positions = 6 * 6;
        long[] dims = {1500, c0, size, size};
        double eComp = outputError(original, comp, dims, positions, 2), ePlain = outputError(original, plain, dims, positions, 2);
        assertEquals(cf[1], ePlain, 0.05 * cf[1], "plain removal: Σ w_Q H_QQ w_Qᵀ");
        assertEquals(cf[0], eComp, 0.05 * cf[0], "compensated: the OBS optimum with H = Σ ⊗ S + μμᵀ");
        assertTrue(eComp < 0.8 * ePlain, "compensated " + eComp + " vs uncompensated " + ePlain);
    }

    @Test
    void jointMomentsWithoutEditsRepeatTheOriginalInEveryBlock() throws Exception {
        PruningSession s = PruningSession.open(Path.of("samples/digits_cnn.onnx"), Map.of(), Progress.NONE);
        Weights w = Weights.of(s.graph());
        CovarianceMoments base = CovarianceMoments.of(s.graph(), w);
        CovarianceMoments joint = CovarianceMoments.joint(s.graph(), w, base, Map.of());
        int checked = 0;
        for (var n : s.graph().nodes()) {
            if (!n.opType().equals("Conv") && !n.opType().equals("Gemm")) continue;
            var o = base.of(n.input(0), 1);
            var j = joint.of(n.input(0), 1);
            if (o.isEmpty()) continue;
            assertTrue(j.isPresent(), "joint moments of " + n.input(0));
            int c = o.get().size();
            assertEquals(2 * c, j.get().size());
            double scale = 0;
            for (double v : o.get().cov()) scale = Math.max(scale, Math.abs(v));
            for (int q = 0; q < 2; q++) {
                for (int qq = 0; qq < 2; qq++) {
                    for (int a = 0; a < c; a++) {
                        assertEquals(o.get().mean()[a], j.get().mean()[q * c + a], 1e-6 * (1 + Math.abs(o.get().mean()[a])), n.input(0));
                        for (int b = 0; b < c; b++) {
                            assertEquals(o.get().cov()[a * c + b], j.get().cov()[(q * c + a) * 2 * c + qq * c + b], 1e-4 * scale,
                                    n.input(0) + " block " + q + qq + " [" + a + "," + b + "]");
                        }
                    }
                }
            }
            checked++;
        }
        assertTrue(checked >= 7, "consumer inputs checked: " + checked);
        w.clear();
    }

    @Test
    void sequentialCompensationOnALinearChainBeatsOneShotAndIsPredictedExactly() throws Exception {
        // x ~ N(0, I) → A → B → C, all linear: the joint (original, edited) moments are exact, so the sequential
        // solution is the true least-squares optimum of each layer against the original model
        Random r = new Random(41);
        int f0 = 12, f1 = 10, f2 = 10, out = 4;
        ModelBuilder mb = ModelBuilder.create("chain").input("x", -1, f0);
        mb.floats("a.w", new long[] {f1, f0}, values(r, f1 * f0, 0.4));
        mb.floats("a.b", new long[] {f1}, values(r, f1, 0.3));
        mb.floats("b.w", new long[] {f2, f1}, values(r, f2 * f1, 0.4));
        mb.floats("b.b", new long[] {f2}, values(r, f2, 0.3));
        mb.floats("c.w", new long[] {out, f2}, values(r, out * f2, 0.5));
        mb.floats("c.b", new long[] {out}, values(r, out, 0.1));
        mb.node("Gemm", "a", List.of("x", "a.w", "a.b"), "transB", 1);
        mb.node("Gemm", "b", List.of("a", "b.w", "b.b"), "transB", 1);
        mb.node("Gemm", "c", List.of("b", "c.w", "c.b"), "transB", 1);
        mb.output("c");
        ModelProto original = mb.build();
        PruningSession s = PruningSession.open(save(original, "chain.onnx"), Map.of(), Progress.NONE);
        CoupledGroup ga = group(s, "g:a/out"), gb = group(s, "g:b/out");
        Map<String, GroupPlan> plan = Map.of(ga.id(), new GroupPlan(ga.id(), f1, PlanApplier.keepAllBut(f1, 1, 4, 7)),
                gb.id(), new GroupPlan(gb.id(), f2, PlanApplier.keepAllBut(f2, 2, 5, 8)));
        ModelProto plain = s.rewrite(plan);
        s.setCompensation(Obspa.compensation(s, Obspa.dataFreeSource(s.graph(), 1e-9, MomentModel.FULL, Progress.NONE)));
        ModelProto oneShot = s.rewrite(plan);
        Obspa.Step step = Obspa.compensation(s, Obspa.dataFreeSource(s.graph(), 1e-9, MomentModel.FULL, Progress.NONE).sequential(true));
        s.setCompensation(step);
        ModelProto sequential = s.rewrite(plan);
        assertTrue(step.last().note().contains("2 sequential"), step.last().note());
        long[] dims = {20_000, f0};
        double ePlain = outputError(original, plain, dims, 1, 3), eOne = outputError(original, oneShot, dims, 1, 3),
                eSeq = outputError(original, sequential, dims, 1, 3);
        assertTrue(eSeq < eOne && eOne < ePlain, "sequential " + eSeq + ", one-shot " + eOne + ", plain " + ePlain);
    }
}
