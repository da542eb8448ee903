package dev.lopper.prune;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.IndexMap;
import dev.lopper.analysis.Member;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.analysis.ParamSlice.Role;
import dev.lopper.eval.ChannelStats;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.importance.Weights;
import dev.lopper.onnx.Tensors;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/**
 * OBSPA-style compensation (architecture §4): when channels Q leave the input of a consumer layer W (rows × C
 * input channels, a Conv's kernel taps treated as separate rows with the same channel statistics), the surviving
 * weights and the bias move by δw = −w_Q (H⁻¹_QQ)⁻¹ H⁻¹_{Q,:} per row, where H = E[x̃ x̃ᵀ] of the consumer's input
 * with x̃ = [x; 1] when the consumer has a bias of its own (so the mean of the removed channels moves into the
 * bias). H is damped by λ · mean(diag H). This is the optimal least-squares correction of each row's output
 * under H; it needs H from activations (ONNX Runtime capture on calibration or seeded inputs).
 * <p>Consumers skipped (left uncompensated, and counted): maps that are not one position per channel (Flatten
 * into Gemm), inputs without statistics, weights stored in Constant nodes.
 */
public final class ObsCompensation {
    private ObsCompensation() {}

    /** What was compensated. */
    public record Report(int consumers, int compensated, List<String> skipped) { }

    public record Result(ModelProto model, Report report) { }

    /** Removed positions per consumer weight (tensor) → axis → positions, and who consumes what. */
    private record Consumer(String node, String weight, int axis, String input, BitSet removed) { }

    /**
     * @param model  the original model proto (weights are changed in a copy, shapes untouched)
     * @param stats  second moments (covariance requested) of the consumers' input activations, by tensor name
     */
    public static Result compensate(ModelGraph graph, ModelProto model, List<CoupledGroup> groups, Map<String, GroupPlan> plan,
                                    Map<String, ChannelStats> stats, double damping) {
        Map<String, Consumer> consumers = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        Map<String, String> biasOf = new HashMap<>();
        for (CoupledGroup g : groups) for (ParamSlice s : g.slices()) if (s.role() == Role.PRODUCER_BIAS) biasOf.put(s.node(), s.tensor());
        for (CoupledGroup g : groups) {
            GroupPlan gp = plan.get(g.id());
            if (gp == null || gp.removedCount() == 0) continue;
            for (ParamSlice s : g.slices()) {
                if (s.role() != Role.CONSUMER_WEIGHT) continue;
                String input = activationOf(graph, g, s.node());
                if (input == null || s.map().block() != 1 || s.map().repeats() != 1) {
                    skipped.add(s.node() + ": consumer input is not one position per channel");
                    continue;
                }
                Consumer c = consumers.computeIfAbsent(s.tensor(), k -> new Consumer(s.node(), s.tensor(), s.axis(), input, new BitSet()));
                for (int p : s.map().indicesOf(gp.removed())) c.removed().set(p);
            }
        }
        Weights weights = Weights.of(graph);
        Map<String, float[]> changed = new LinkedHashMap<>();
        int done = 0;
        for (Consumer c : consumers.values()) {
            ChannelStats st = stats.get(c.input());
            if (st == null || st.secondMoment() == null) {
                skipped.add(c.node() + ": no second moments of '" + c.input() + "'");
                continue;
            }
            Weights.Tensor w = weights.get(c.weight());
            int axis = c.axis() < 0 ? c.axis() + w.rank() : c.axis();
            int channels = w.dim(axis);
            if (st.channels() != channels || !graph.isStoredInitializer(c.weight())) {
                skipped.add(c.node() + ": weight '" + c.weight() + "' does not match its input statistics or is not an initializer");
                continue;
            }
            String bias = biasOf.get(c.node());
            float[] b = null;
            if (bias != null && axis >= 1 && graph.isStoredInitializer(bias)) {
                Weights.Tensor bt = weights.get(bias);
                if (bt.values().length == w.outer(axis)) b = changed.containsKey(bias) ? changed.get(bias) : bt.values().clone();
            }
            float[] wv = changed.containsKey(c.weight()) ? changed.get(c.weight()) : w.values().clone();
            apply(wv, w.outer(axis), channels, w.inner(axis), b, c.removed(), st, damping);
            changed.put(c.weight(), wv);
            if (b != null) changed.put(bias, b);
            done++;
        }
        GraphProto.Builder gb = model.getGraph().toBuilder();
        for (int i = 0; i < gb.getInitializerCount(); i++) {
            TensorProto t = gb.getInitializer(i);
            float[] v = changed.get(t.getName());
            if (v != null) gb.setInitializer(i, Tensors.replaceValues(t, v));
        }
        return new Result(model.toBuilder().setGraph(gb).build(), new Report(consumers.size(), done, skipped));
    }

    /** The non-constant input of {@code node} that carries the group's channels (a member tensor), or null. */
    static String activationOf(ModelGraph graph, CoupledGroup g, String node) {
        Node n = graph.node(node);
        if (n == null) return null;
        for (Member m : g.members()) {
            if (n.inputs().contains(m.tensor()) && !graph.isConstant(m.tensor())
                    && m.map().block() == 1 && m.map().repeats() == 1) return m.tensor();
        }
        return null;
    }

    /**
     * Compensates W (outer × C × inner, rows = (outer, inner)) for removing input positions {@code removed}.
     * The bias (length outer) absorbs the constant part when given.
     */
    static void apply(float[] w, int outer, int channels, int inner, float[] bias, BitSet removed, ChannelStats st, double damping) {
        int n = channels + (bias != null ? 1 : 0);
        double[][] h = new double[n][n];
        double diag = 0;
        for (int i = 0; i < channels; i++) {
            for (int j = 0; j < channels; j++) h[i][j] = st.secondMoment(i, j);
            diag += h[i][i];
        }
        if (bias != null) {
            for (int i = 0; i < channels; i++) h[i][channels] = h[channels][i] = st.mean()[i];
            h[channels][channels] = 1;
        }
        double lambda = damping * Math.max(diag / channels, 1e-12);
        for (int i = 0; i < n; i++) h[i][i] += lambda;
        double[][] hinv = invertSpd(h);
        int[] q = removed.stream().toArray();
        int k = q.length;
        double[][] hqq = new double[k][k];
        for (int a = 0; a < k; a++) for (int b = 0; b < k; b++) hqq[a][b] = hinv[q[a]][q[b]];
        double[][] m = invertSpd(hqq);
        double[] wq = new double[k], u = new double[k], delta = new double[n];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                for (int a = 0; a < k; a++) wq[a] = w[(o * channels + q[a]) * inner + i];
                for (int a = 0; a < k; a++) {
                    double acc = 0;
                    for (int b = 0; b < k; b++) acc += wq[b] * m[b][a];
                    u[a] = acc;
                }
                java.util.Arrays.fill(delta, 0);
                for (int a = 0; a < k; a++) {
                    double ua = u[a];
                    double[] row = hinv[q[a]];
                    for (int j = 0; j < n; j++) delta[j] -= ua * row[j];
                }
                for (int j = 0; j < channels; j++) {
                    if (!removed.get(j)) w[(o * channels + j) * inner + i] += (float) delta[j];
                }
                if (bias != null) bias[o] += (float) delta[channels];
            }
        }
    }

    /** Inverse of a symmetric positive definite matrix (Cholesky). */
    static double[][] invertSpd(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int p = 0; p < j; p++) s -= l[i][p] * l[j][p];
                if (i == j) l[i][i] = Math.sqrt(Math.max(s, 1e-300));
                else l[i][j] = s / l[j][j];
            }
        }
        // inverse of L, then L⁻ᵀ L⁻¹
        double[][] li = new double[n][n];
        for (int i = 0; i < n; i++) {
            li[i][i] = 1 / l[i][i];
            for (int j = 0; j < i; j++) {
                double s = 0;
                for (int p = j; p < i; p++) s -= l[i][p] * li[p][j];
                li[i][j] = s / l[i][i];
            }
        }
        double[][] inv = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int p = i; p < n; p++) s += li[p][i] * li[p][j];
                inv[i][j] = inv[j][i] = s;
            }
        }
        return inv;
    }
}
