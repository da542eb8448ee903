package dev.lopper.prune.obspa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.runtime.EvalSession;
import dev.lopper.runtime.HostTensor;
import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.SessionConfig;
import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.Criterion;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.importance.Normalization;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.prune.GroupPlan;
import dev.lopper.prune.PlanApplier;
import dev.lopper.prune.PruningSession;
import dev.lopper.task.Progress;
import dev.lopper.testutil.ModelBuilder;

/** OBSPA end to end on tiny models built in Java: scores, compensation and the closed-form output error. */
class ObspaTest {
    @TempDir
    Path dir;

    private static final int N = 400;

    // ---------- helpers ----------

    private static float[] values(Random r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * scale);
        return v;
    }

    private static float[][] inputs(int n, int f, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[n][f];
        for (int i = 0; i < n; i++) for (int j = 0; j < f; j++) x[i][j] = (float) (r.nextGaussian() + (j == 0 ? 0.5 : 0));
        return x;
    }

    private Path csv(float[][] x) throws IOException {
        StringBuilder b = new StringBuilder();
        for (float[] row : x) {
            b.append('0');
            for (float v : row) b.append(',').append(String.format(Locale.ROOT, "%.9g", v));
            b.append('\n');
        }
        Path p = dir.resolve("calib.csv");
        Files.writeString(p, b);
        return p;
    }

    private Path save(ModelProto m, String name) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, m.toByteArray());
        return p;
    }

    /** Outputs y[n][k] of a model with one input "x" of shape [n, f] and one output. */
    static double[][] run(ModelProto m, float[][] x) {
        int n = x.length, f = x[0].length;
        float[] flat = new float[n * f];
        for (int i = 0; i < n; i++) System.arraycopy(x[i], 0, flat, i * f, f);
        try (EvalSession s = EvalSession.open(ModelSource.of(m, null, "m"), SessionConfig.DEFAULT)) {
            HostTensor y = s.run(Map.of("x", HostTensor.ofFloats(new long[] {n, f}, flat))).values().iterator().next();
            int k = (int) y.dim(1);
            double[][] out = new double[n][k];
            for (int i = 0; i < n; i++) for (int j = 0; j < k; j++) out[i][j] = y.get(i * k + j);
            return out;
        }
    }

    /** Mean over samples of ‖a − b‖² (summed over outputs). */
    static double mse(double[][] a, double[][] b) {
        double t = 0;
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[i].length; j++) t += (a[i][j] - b[i][j]) * (a[i][j] - b[i][j]);
        return t / a.length;
    }

    private static CoupledGroup group(PruningSession s, String producer) {
        for (CoupledGroup g : s.groups()) if (g.isPrunable() && g.id().contains(producer)) return g;
        throw new AssertionError("no prunable group of " + producer + " in " + s.groups().stream().map(CoupledGroup::id).toList());
    }

    /** Gauss–Jordan inverse of an n×n row-major matrix (partial pivoting), an oracle independent of the solver. */
    static double[] invert(double[] a, int n) {
        double[] m = a.clone(), inv = new double[n * n];
        for (int i = 0; i < n; i++) inv[i * n + i] = 1;
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]) > Math.abs(m[p * n + c])) p = r;
            for (int k = 0; k < n; k++) {
                double t = m[c * n + k]; m[c * n + k] = m[p * n + k]; m[p * n + k] = t;
                t = inv[c * n + k]; inv[c * n + k] = inv[p * n + k]; inv[p * n + k] = t;
            }
            double d = m[c * n + c];
            for (int k = 0; k < n; k++) { m[c * n + k] /= d; inv[c * n + k] /= d; }
            for (int r = 0; r < n; r++) {
                if (r == c) continue;
                double f = m[r * n + c];
                for (int k = 0; k < n; k++) { m[r * n + k] -= f * m[c * n + k]; inv[r * n + k] -= f * inv[c * n + k]; }
            }
        }
        return inv;
    }

    // ---------- calibrated compensation against the original model (measured joint moments) ----------

    /** The importance layer finds OBSPA (which lives above it, here) through its service file; every criterion answers to its id. */
    @Test
    void everyCriterionIsFoundByItsIdIncludingThePluggedInObspa() {
        assertTrue(Criterion.OBSPA.create() instanceof ObspaCriterion);
        for (Criterion c : Criterion.values()) {
            assertEquals(c.id(), c.create().id(), "criterion " + c);
            assertEquals(c, Criterion.parse(c.id()));
        }
    }

    @Test
    void calibratedCompensationOfTheLastLayerReachesTheLeastSquaresOptimumAgainstTheOriginal() throws Exception {
        Random r = new Random(21);
        ModelBuilder mb = ModelBuilder.create("chain").input("x", -1, 4);
        mb.floats("g1.w", new long[] {6, 4}, values(r, 24, 0.8));
        mb.floats("g1.b", new long[] {6}, values(r, 6, 0.3));
        mb.floats("g2.w", new long[] {6, 6}, values(r, 36, 0.6));
        mb.floats("g2.b", new long[] {6}, values(r, 6, 0.3));
        mb.floats("g3.w", new long[] {3, 6}, values(r, 18, 0.7));
        mb.floats("g3.b", new long[] {3}, values(r, 3, 0.2));
        mb.node("Gemm", "g1", List.of("x", "g1.w", "g1.b"), "transB", 1);
        mb.relu("r1", "g1");
        mb.node("Gemm", "g2", List.of("r1", "g2.w", "g2.b"), "transB", 1);
        mb.relu("r2", "g2");
        mb.node("Gemm", "g3", List.of("r2", "g3.w", "g3.b"), "transB", 1);
        mb.output("g3");
        ModelProto original = mb.build();
        Path model = save(original, "chain.onnx");
        float[][] x = inputs(N, 4, 17);
        Path data = csv(x);
        PruningSession s = PruningSession.open(model, Map.of(), Progress.NONE);
        CoupledGroup a = group(s, "g1"), b = group(s, "g2");
        int[] removedB = {1, 3};
        Map<String, GroupPlan> plan = new java.util.LinkedHashMap<>();
        plan.put(a.id(), new GroupPlan(a.id(), 6, PlanApplier.keepAllBut(6, new int[] {0, 4})));
        plan.put(b.id(), new GroupPlan(b.id(), 6, PlanApplier.keepAllBut(6, removedB)));

        s.setCompensation(Obspa.compensation(s, Obspa.source(s, data, Map.of(), 1e-9, Progress.NONE)));
        boolean was = Compensation.SEQUENTIAL_MEASURED, gateWas = Compensation.HELD_OUT_GATE;
        ModelProto joint, oneShot;
        try {
            // the least-squares solution itself: the cross-validated fraction of it (HeldOutGateTest) is off here
            Compensation.HELD_OUT_GATE = false;
            Compensation.SEQUENTIAL_MEASURED = true;
            joint = s.rewrite(plan);
            Compensation.SEQUENTIAL_MEASURED = false;
            oneShot = s.rewrite(plan);
        } finally {
            Compensation.SEQUENTIAL_MEASURED = was;
            Compensation.HELD_OUT_GATE = gateWas;
        }
        double[][] y0 = run(original, x), yJoint = run(joint, x), yOne = run(oneShot, x);
        double eJoint = mse(yJoint, y0), eOne = mse(yOne, y0);

        // oracle: g3's input in the original (h) and in the model as pruned and compensated up to g3 (ĥ, read back from
        // the joint model: relu of its compensated g2 on its compensated g1); g3 solves min Σ‖W3 h̃ − W' ĥ̃_K‖² exactly
        PruningSession out = PruningSession.open(save(joint, "joint.onnx"), Map.of(), Progress.NONE);
        dev.lopper.importance.Weights w0 = dev.lopper.importance.Weights.of(s.graph()), w1 = dev.lopper.importance.Weights.of(out.graph());
        float[] g1w = w1.get("g1.w").values(), g1b = w1.get("g1.b").values(), g2w = w1.get("g2.w").values(), g2b = w1.get("g2.b").values();
        float[] o1w = w0.get("g1.w").values(), o1b = w0.get("g1.b").values(), o2w = w0.get("g2.w").values(), o2b = w0.get("g2.b").values();
        float[] w3 = w0.get("g3.w").values(), b3 = w0.get("g3.b").values();
        int k1 = g1b.length, k2 = g2b.length; // kept widths
        int n = k2 + 1;
        double[] a2 = new double[n * n];
        double[][] rhs = new double[3][n];
        double yy = 0;
        for (float[] xi : x) {
            double[] h1 = new double[k1], hh = new double[n];
            for (int o = 0; o < k1; o++) {
                double t = g1b[o];
                for (int i = 0; i < 4; i++) t += g1w[o * 4 + i] * xi[i];
                h1[o] = Math.max(0, t);
            }
            for (int o = 0; o < k2; o++) {
                double t = g2b[o];
                for (int i = 0; i < k1; i++) t += g2w[o * k1 + i] * h1[i];
                hh[o] = Math.max(0, t);
            }
            hh[k2] = 1;
            double[] g1o = new double[6], h = new double[6];
            for (int o = 0; o < 6; o++) {
                double t = o1b[o];
                for (int i = 0; i < 4; i++) t += o1w[o * 4 + i] * xi[i];
                g1o[o] = Math.max(0, t);
            }
            for (int o = 0; o < 6; o++) {
                double t = o2b[o];
                for (int i = 0; i < 6; i++) t += o2w[o * 6 + i] * g1o[i];
                h[o] = Math.max(0, t);
            }
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) a2[i * n + j] += hh[i] * hh[j];
            for (int o = 0; o < 3; o++) {
                double t = b3[o];
                for (int i = 0; i < 6; i++) t += w3[o * 6 + i] * h[i];
                for (int i = 0; i < n; i++) rhs[o][i] += t * hh[i];
                yy += t * t;
            }
        }
        double[] inv = invert(a2, n);
        double optimum = yy; // Σ‖y‖² − Σ_o rhs_o A⁻¹ rhs_oᵀ
        for (int o = 0; o < 3; o++) {
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) optimum -= rhs[o][i] * inv[i * n + j] * rhs[o][j];
        }
        optimum /= N;
        assertEquals(optimum, eJoint, 1e-3 * eOne + 1e-6, "the last layer reaches the least-squares optimum against the original");
        assertTrue(eJoint < eOne, "against the original " + eJoint + " vs one-shot on the re-measured input " + eOne);
    }

    // ---------- BatchNormalization re-estimated after pruning ----------

    @Test
    void batchNormStatisticsAreReestimatedOnThePrunedModel() throws Exception {
        Random r = new Random(5);
        ModelBuilder mb = ModelBuilder.create("mlpbn").input("x", -1, 4);
        mb.floats("g1.w", new long[] {6, 4}, values(r, 24, 0.8));
        mb.floats("g1.b", new long[] {6}, values(r, 6, 0.3));
        mb.floats("g2.w", new long[] {3, 6}, values(r, 18, 0.7));
        mb.floats("g2.b", new long[] {3}, values(r, 3, 0.2));
        mb.node("Gemm", "g1", List.of("x", "g1.w", "g1.b"), "transB", 1);
        mb.relu("r", "g1");
        mb.node("Gemm", "g2", List.of("r", "g2.w", "g2.b"), "transB", 1);
        mb.batchNorm("bn", "g2", 3);
        mb.output("bn");
        Path model = save(mb.build(), "mlpbn.onnx");
        float[][] x = inputs(N, 4, 13);
        Path data = csv(x);
        PruningSession s = PruningSession.open(model, Map.of(), Progress.NONE);
        CoupledGroup g = group(s, "g1");
        Map<String, GroupPlan> plan = Map.of(g.id(), new GroupPlan(g.id(), 6, PlanApplier.keepAllBut(6, new int[] {0, 2, 5})));
        dev.lopper.importance.Weights w0 = dev.lopper.importance.Weights.of(s.graph());
        float[] gamma = w0.get("bn.weight").values(), beta = w0.get("bn.bias").values(), oldVar = w0.get("bn.var").values();

        GraphObspaSource src = Obspa.source(s, data, Map.of(), 1e-9, Progress.NONE);
        Obspa.Step step = Obspa.compensation(s, src);
        s.setCompensation(step);
        ModelProto recal = s.rewrite(plan);
        assertTrue(step.last().note().contains("1 BatchNormalization statistics re-estimated"), step.last().note());
        s.setCompensation(Obspa.compensation(s, Obspa.source(s, data, Map.of(), 1e-9, Progress.NONE).recalibrate(false)));
        ModelProto kept = s.rewrite(plan);

        PruningSession out = PruningSession.open(save(recal, "recal.onnx"), Map.of(), Progress.NONE);
        dev.lopper.importance.Weights w1 = dev.lopper.importance.Weights.of(out.graph());
        float[] newVar = w1.get("bn.var").values();
        // on the calibration rows the re-estimated BN hands back mean β and variance γ²·v/(v + ε) exactly
        double[][] y = run(recal, x), yKept = run(kept, x);
        double shiftBefore = 0;
        for (int c = 0; c < 3; c++) {
            double m = 0, m2 = 0, mk = 0;
            for (double[] row : y) {
                m += row[c] / N;
                m2 += row[c] * row[c] / N;
            }
            for (double[] row : yKept) mk += row[c] / N;
            double var = m2 - m * m;
            assertEquals(beta[c], m, 1e-4, "channel " + c + " mean");
            assertEquals(gamma[c] * gamma[c] * newVar[c] / (newVar[c] + 1e-5), var, 1e-4 * (1 + var), "channel " + c + " variance");
            assertTrue(newVar[c] != oldVar[c]);
            shiftBefore += Math.abs(mk - beta[c]);
        }
        // without re-estimation the stored statistics (random here) leave the output means off β
        assertTrue(shiftBefore > 0.1, "mean shift without re-estimation " + shiftBefore);
    }

    // ---------- Gemm -> Relu -> Gemm: compensated error <= uncompensated, equal to the closed form ----------

    @Test
    void compensationOnGemmReluGemmMatchesClosedFormAndBeatsNoCompensation() throws Exception {
        Random r = new Random(7);
        float[] w1 = values(r, 6 * 4, 0.8), b1 = values(r, 6, 0.3), w2 = values(r, 3 * 6, 0.7), b2 = values(r, 3, 0.2);
        ModelBuilder mb = ModelBuilder.create("mlp").input("x", -1, 4);
        mb.floats("g1.w", new long[] {6, 4}, w1);
        mb.floats("g1.b", new long[] {6}, b1);
        mb.floats("g2.w", new long[] {3, 6}, w2);
        mb.floats("g2.b", new long[] {3}, b2);
        mb.node("Gemm", "g1", List.of("x", "g1.w", "g1.b"), "transB", 1);
        mb.relu("r", "g1");
        mb.node("Gemm", "g2", List.of("r", "g2.w", "g2.b"), "transB", 1);
        mb.output("g2");
        ModelProto original = mb.build();
        Path model = save(original, "mlp.onnx");
        float[][] x = inputs(N, 4, 11);
        Path data = csv(x);

        PruningSession s = PruningSession.open(model, Map.of(), Progress.NONE);
        CoupledGroup g = group(s, "g1");
        assertEquals(6, g.channels());
        GraphObspaSource src = Obspa.source(s, data, Map.of(), 1e-9, Progress.NONE);
        assertEquals(1, src.calibratedCount());
        int[] removed = {1, 4};
        Map<String, GroupPlan> plan = Map.of(g.id(), new GroupPlan(g.id(), 6, PlanApplier.keepAllBut(6, removed)));

        ModelProto plain = s.rewrite(plan);
        s.setCompensation(Obspa.compensation(s, src));
        ModelProto compensated = s.rewrite(plan);

        double[][] y0 = run(original, x), yPlain = run(plain, x), yComp = run(compensated, x);
        double errPlain = mse(yPlain, y0), errComp = mse(yComp, y0);

        // closed form from H = E[h̃ h̃ᵀ], h = relu(W1 x + b1), h̃ = [h; 1]
        int n = 7;
        double[] h = new double[n * n];
        for (float[] xi : x) {
            double[] v = new double[n];
            for (int o = 0; o < 6; o++) {
                double a = b1[o];
                for (int i = 0; i < 4; i++) a += w1[o * 4 + i] * xi[i];
                v[o] = Math.max(0, a);
            }
            v[6] = 1;
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) h[i * n + j] += v[i] * v[j] / N;
        }
        double[] hinv = invert(h, n);
        double[] hq = {hinv[1 * n + 1], hinv[1 * n + 4], hinv[4 * n + 1], hinv[4 * n + 4]};
        double[] mq = invert(hq, 2);
        double closedComp = 0, closedPlain = 0;
        for (int o = 0; o < 3; o++) {
            double a = w2[o * 6 + 1], b = w2[o * 6 + 4];
            closedComp += a * (mq[0] * a + mq[1] * b) + b * (mq[2] * a + mq[3] * b);
            closedPlain += a * a * h[1 * n + 1] + 2 * a * b * h[1 * n + 4] + b * b * h[4 * n + 4];
        }
        assertTrue(errComp <= errPlain, "compensated " + errComp + " > uncompensated " + errPlain);
        assertTrue(errComp < 0.9 * errPlain, "compensation should help here: " + errComp + " vs " + errPlain);
        assertEquals(closedPlain, errPlain, 1e-3 * closedPlain, "uncompensated error = Σ w_Q H_QQ w_Qᵀ");
        assertEquals(closedComp, errComp, 1e-3 * closedPlain, "compensated error = Σ w_Q (H⁻¹_QQ)⁻¹ w_Qᵀ");

        // the criterion's first greedy step is the channel with the smallest closed-form ΔE
        ScoringOptions so = new ScoringOptions(Criterion.OBSPA, null, Normalization.NONE, 0, src, false);
        ChannelScores sc = s.score(so, Progress.NONE).get(g.id());
        // scores are relative: row o of the consumer divided by √(3 · Var[y_o]), Var[y_o] = w_o Cov[h] w_oᵀ
        double[] varY = new double[3];
        for (int o = 0; o < 3; o++) {
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 6; j++) {
                    varY[o] += w2[o * 6 + i] * w2[o * 6 + j] * (h[i * n + j] - h[i * n + 6] * h[j * n + 6]);
                }
            }
        }
        double best = Double.MAX_VALUE;
        int bestC = -1;
        for (int c = 0; c < 6; c++) {
            double d = 0;
            for (int o = 0; o < 3; o++) d += w2[o * 6 + c] * w2[o * 6 + c] / hinv[c * n + c] / (3 * varY[o]);
            if (d < best) { best = d; bestC = c; }
        }
        int lowest = 0;
        for (int c = 1; c < 6; c++) if (sc.value(c) < sc.value(lowest)) lowest = c;
        assertEquals(bestC, lowest);
        assertEquals(best, sc.value(lowest), 1e-4 * best + 1e-9);
        assertTrue(sc.basis().startsWith("obspa over 1 consumer, calibration"), sc.basis());
    }

    // ---------- a zero-variance channel costs nothing and is absorbed exactly (data-free) ----------

    @Test
    void zeroVarianceChannelHasZeroDeltaEAndIsAbsorbedByTheBias() throws Exception {
        Random r = new Random(3);
        ModelBuilder mb = ModelBuilder.create("cnn").input("x", -1, 2, 5, 5);
        mb.floats("c1.w", new long[] {4, 2, 1, 1}, values(r, 8, 1));
        mb.node("Conv", "c1", List.of("x", "c1.w"), "kernel_shape", new long[] {1, 1});
        mb.floats("bn.s", new long[] {4}, 1.2f, 0.7f, 0f, 0.9f);   // channel 2: γ = 0 → constant β after BN
        mb.floats("bn.b", new long[] {4}, 0.1f, -0.2f, 0.8f, 0.3f);
        mb.floats("bn.m", new long[] {4}, 0f, 0f, 0f, 0f);
        mb.floats("bn.v", new long[] {4}, 1f, 1f, 1f, 1f);
        mb.node("BatchNormalization", "bn", List.of("c1", "bn.s", "bn.b", "bn.m", "bn.v"));
        mb.relu("r", "bn");
        mb.floats("c2.w", new long[] {3, 4, 1, 1}, values(r, 12, 1));
        mb.floats("c2.b", new long[] {3}, values(r, 3, 1));
        mb.node("Conv", "c2", List.of("r", "c2.w", "c2.b"), "kernel_shape", new long[] {1, 1});
        mb.node("Flatten", "y", List.of("c2"), "axis", 1L);
        mb.output("y");
        ModelProto original = mb.build();
        PruningSession s = PruningSession.open(save(original, "cnn.onnx"), Map.of(), Progress.NONE);
        CoupledGroup g = group(s, "c1");
        GraphObspaSource src = Obspa.source(s, null, Map.of(), 0.01, Progress.NONE);
        ChannelScores sc = s.score(new ScoringOptions(Criterion.OBSPA, null, Normalization.NONE, 0, src, false), Progress.NONE).get(g.id());
        assertEquals(0.0, sc.value(2), 1e-12, "ΔE of the zero-variance channel");
        for (int c : new int[] {0, 1, 3}) assertTrue(sc.value(c) > 1e-3, "channel " + c + ": " + sc.value(c));
        assertTrue(sc.basis().contains("data-free"), sc.basis());

        Map<String, GroupPlan> plan = Map.of(g.id(), new GroupPlan(g.id(), 4, PlanApplier.keepAllBut(4, 2)));
        s.setCompensation(Obspa.compensation(s, src));
        ModelProto pruned = s.rewrite(plan);
        float[][] x = new float[8][50];
        Random q = new Random(5);
        for (float[] row : x) for (int i = 0; i < row.length; i++) row[i] = (float) q.nextGaussian();
        double[][] y0 = runImage(original, x), y1 = runImage(pruned, x);
        for (int i = 0; i < y0.length; i++) for (int j = 0; j < y0[i].length; j++) assertEquals(y0[i][j], y1[i][j], 1e-5);
    }

    private static double[][] runImage(ModelProto m, float[][] x) {
        int n = x.length;
        float[] flat = new float[n * 50];
        for (int i = 0; i < n; i++) System.arraycopy(x[i], 0, flat, i * 50, 50);
        try (EvalSession s = EvalSession.open(ModelSource.of(m, null, "m"), SessionConfig.DEFAULT)) {
            HostTensor y = s.run(Map.of("x", HostTensor.ofFloats(new long[] {n, 2, 5, 5}, flat))).values().iterator().next();
            int k = (int) y.dim(1);
            double[][] out = new double[n][k];
            for (int i = 0; i < n; i++) for (int j = 0; j < k; j++) out[i][j] = y.get(i * k + j);
            return out;
        }
    }

    // ---------- linear model: removed channels that are combinations of kept ones are reproduced exactly ----------

    @Test
    void linearModelWithTrueHReproducesOutputsExactly() throws Exception {
        Random r = new Random(9);
        ModelBuilder mb = ModelBuilder.create("lin").input("x", -1, 3);
        mb.floats("g1.w", new long[] {5, 3}, values(r, 15, 1));   // 5 channels of a 3-dim input: rank 3 (+ bias)
        mb.floats("g1.b", new long[] {5}, values(r, 5, 1));
        mb.floats("g2.w", new long[] {2, 5}, values(r, 10, 1));
        mb.floats("g2.b", new long[] {2}, values(r, 2, 1));
        mb.node("Gemm", "g1", List.of("x", "g1.w", "g1.b"), "transB", 1);
        mb.node("Gemm", "g2", List.of("g1", "g2.w", "g2.b"), "transB", 1);
        mb.output("g2");
        ModelProto original = mb.build();
        float[][] x = inputs(N, 3, 13);
        PruningSession s = PruningSession.open(save(original, "lin.onnx"), Map.of(), Progress.NONE);
        CoupledGroup g = group(s, "g1");
        GraphObspaSource src = Obspa.source(s, csv(x), Map.of(), 1e-10, Progress.NONE);
        Map<String, GroupPlan> plan = Map.of(g.id(), new GroupPlan(g.id(), 5, PlanApplier.keepAllBut(5, 1, 3)));
        ModelProto plain = s.rewrite(plan);
        s.setCompensation(Obspa.compensation(s, src));
        ModelProto pruned = s.rewrite(plan);
        float[][] fresh = inputs(50, 3, 99);   // not the calibration samples
        double[][] y0 = run(original, fresh), y1 = run(pruned, fresh), y2 = run(plain, fresh);
        double scale = 0;
        for (double[] row : y0) for (double v : row) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < y0.length; i++) for (int j = 0; j < 2; j++) assertEquals(y0[i][j], y1[i][j], 1e-3 * scale);
        assertTrue(mse(y2, y0) > 1e-2, "without compensation the outputs change: " + mse(y2, y0));
    }
}
