package dev.lopper.prune.obspa;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.runtime.ActivationCapture;
import dev.lopper.runtime.CaptureRequest;
import dev.lopper.runtime.ChannelStats;
import dev.lopper.runtime.ConvPatch;
import dev.lopper.runtime.DataOptions;
import dev.lopper.runtime.DataTarget;
import dev.lopper.runtime.Dataset;
import dev.lopper.runtime.Datasets;
import dev.lopper.runtime.EvalException;
import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.PatchStats;
import dev.lopper.runtime.SessionConfig;
import dev.lopper.runtime.ShapePolicy;
import dev.lopper.graph.Node;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.task.Progress;

/**
 * Input moments of OBSPA's consumer layers measured on calibration data: the data set is streamed through the
 * original model in ONNX Runtime with the consumers' inputs exposed (eval's {@link ActivationCapture}); a Conv
 * consumer gets E[p pᵀ] over the unfolded patches it sees (zero padding included), a Gemm/MatMul consumer
 * E[x xᵀ] over its input features. Layers with more than {@link InputMoments#MAX_DENSE_FEATURES} inputs get
 * per-channel means and variances only. A consumer whose input cannot be captured (not a tensor of the file's
 * main graph, 1-D or 3-D convolutions, auto_pad) keeps the data-free moments.
 */
public final class CalibratedMoments {
    private CalibratedMoments() {}

    /**
     * Dense consumers whose output reaches a LayerNormalization through additions get their moments weighted per
     * position by it ({@link ResidualNorm}); {@code -Dlopper.obspa.noNormWeight=true} turns that off (for A/B runs).
     */
    static boolean WEIGHT_BY_NORM = !Boolean.getBoolean("lopper.obspa.noNormWeight");

    /** Default samples per ONNX Runtime run while capturing. */
    public static final int BATCH = 32;

    /**
     * @return consumer node → moments of its input features, and the number of samples seen
     */
    public record Result(Map<String, InputMoments> moments, long samples, dev.lopper.runtime.BatchFeed.Summary feed,
                         List<Map<String, InputMoments>> folds, long[] foldSamples, Map<String, double[]> foldShares) {
        public Result(Map<String, InputMoments> moments, long samples) { this(moments, samples, dev.lopper.runtime.BatchFeed.Summary.NONE); }

        public Result(Map<String, InputMoments> moments, long samples, dev.lopper.runtime.BatchFeed.Summary feed) {
            this(moments, samples, feed, List.of(), new long[0], Map.of());
        }

        /** Cross-validation folds measured for {@code node}: 0 when there is no split (or a fold is empty). */
        public int folds(String node) {
            if (folds.isEmpty() || !moments.containsKey(node)) return 0;
            for (int f = 0; f < folds.size(); f++) {
                if (foldSamples[f] <= 0 || foldSamples[f] >= samples || !folds.get(f).containsKey(node)) return 0;
            }
            return folds.size();
        }

        /** The moments of fold {@code f}'s samples alone. */
        public InputMoments heldOut(String node, int f) { return folds.get(f).get(node); }

        /**
         * The moments of every sample but fold {@code f}'s (all samples' moments minus the fold's, by their counts, or
         * by their total weights for row-weighted moments).
         */
        public InputMoments fitted(String node, int f) {
            double[] w = foldShares.get(node);
            return moments.get(node).without(folds.get(f).get(node), w != null ? w[f] : (double) foldSamples[f] / samples);
        }

        /** The consumers whose moments are weighted per position by the normalization their output reaches. */
        public int weighted() { return foldShares.size(); }
    }

    public static Result capture(ModelSource model, ConsumerResolver resolver, List<CoupledGroup> groups, Path data,
                                 Map<String, long[]> inputShapes, Progress progress) {
        return capture(model, resolver, groups, dev.lopper.runtime.CalibrationData.of(data, inputShapes), progress);
    }

    /** As above on at most {@code data.maxSamples()} samples. */
    public static Result capture(ModelSource model, ConsumerResolver resolver, List<CoupledGroup> groups,
                                 dev.lopper.runtime.CalibrationData data, Progress progress) {
        Map<String, ConsumerLayer> byNode = new LinkedHashMap<>();
        for (CoupledGroup g : groups) {
            if (!g.isPrunable()) continue;
            for (ParamSlice s : g.slices()) resolver.resolve(s).ifPresent(l -> byNode.putIfAbsent(l.node(), l));
        }
        return capture(model, resolver, byNode.values(), data, progress);
    }

    /** Moments of the inputs of the given consumer layers, measured on {@code model} (which may be an edited copy). */
    public static Result capture(ModelSource model, ConsumerResolver resolver, java.util.Collection<ConsumerLayer> layers,
                                 Path data, Map<String, long[]> inputShapes, Progress progress) {
        return capture(model, resolver, layers, dev.lopper.runtime.CalibrationData.of(data, inputShapes), progress);
    }

    /**
     * As above on at most {@code data.maxSamples()} samples; a model with a fixed batch dim is fed batches of exactly
     * that size, the last one padded and the padding excluded (see {@link dev.lopper.runtime.BatchFeed}).
     */
    public static Result capture(ModelSource model, ConsumerResolver resolver, java.util.Collection<ConsumerLayer> layers,
                                 dev.lopper.runtime.CalibrationData data, Progress progress) {
        return capture(model, resolver, layers, data, progress, 0);
    }

    /**
     * As above; with {@code folds} ≥ 2 sample i is also measured with the others of fold i % folds
     * ({@link Result#heldOut(String, int)}), so a caller can fit without a fold ({@link Result#fitted(String, int)}) and
     * judge the fit on samples it has not seen (cross-validation).
     */
    public static Result capture(ModelSource model, ConsumerResolver resolver, java.util.Collection<ConsumerLayer> layers,
                                 dev.lopper.runtime.CalibrationData data, Progress progress, int folds) {
        Map<String, ConsumerLayer> byNode = new LinkedHashMap<>();
        for (ConsumerLayer l : layers) byNode.putIfAbsent(l.node(), l);
        ModelProto proto = model.proto();
        Set<String> available = new HashSet<>();
        proto.getGraph().getInputList().forEach(v -> available.add(v.getName()));
        for (NodeProto n : proto.getGraph().getNodeList()) available.addAll(n.getOutputList());
        Map<String, CaptureRequest> requests = new LinkedHashMap<>();
        Map<String, List<ConsumerLayer>> readers = new LinkedHashMap<>();
        for (ConsumerLayer l : byNode.values()) {
            if (!available.contains(l.input())) continue;
            CaptureRequest r = request(resolver, l);
            if (r == null) continue;
            if (r.rowWeight() != null && !available.contains(r.rowWeight().tensor())) r = r.unweighted();
            CaptureRequest prev = requests.get(l.input());
            if (prev != null && !prev.equals(r)) {
                // readers of one tensor that end in different normalizations (or none): unweighted for all of them
                if (!prev.unweighted().equals(r.unweighted())) continue; // another geometry: data-free for this one
                r = r.unweighted();
            }
            requests.put(l.input(), r);
            readers.computeIfAbsent(l.input(), x -> new ArrayList<>()).add(l);
        }
        if (requests.isEmpty()) return new Result(Map.of(), 0);
        Map<String, InputMoments> out = new LinkedHashMap<>();
        List<Map<String, InputMoments>> foldMoments = new ArrayList<>();
        long seen;
        dev.lopper.runtime.BatchFeed.Summary fed;
        try (ActivationCapture cap = ActivationCapture.open(model, new ArrayList<>(requests.values()),
                SessionConfig.DEFAULT.withBatchSize(BATCH));
             Dataset ds = data.open(cap.inputs(), BATCH)) {
            if (folds >= 2) cap.folds(folds);
            fed = cap.accumulate(ds, BATCH, data.maxSamples(), progress);
            seen = fed.samples();
            if (seen == 0) throw new EvalException(data.data() + ": no samples to calibrate on");
            Map<String, ChannelStats> stats = cap.statistics();
            Map<String, PatchStats> patches = cap.patchStatistics();
            String basis = "calibration (" + seen + " samples of " + data.data().getFileName() + ")";
            for (Map.Entry<String, List<ConsumerLayer>> e : readers.entrySet()) {
                for (ConsumerLayer l : e.getValue()) {
                    InputMoments m = moments(l, stats.get(e.getKey()), patches.get(e.getKey()), basis);
                    if (m != null) out.put(l.node(), m);
                }
            }
            long[] counts = cap.foldSamples();
            List<Map<String, ChannelStats>> foldStats = new ArrayList<>();
            for (int f = 0; f < counts.length; f++) foldStats.add(cap.foldStatistics(f));
            // row-weighted moments: a fold's share is its share of the total weight, not of the samples
            Map<String, double[]> shares = new LinkedHashMap<>();
            for (Map.Entry<String, List<ConsumerLayer>> e : readers.entrySet()) {
                if (requests.get(e.getKey()).rowWeight() == null) continue;
                double[] share = new double[counts.length];
                for (int f = 0; f < counts.length; f++) {
                    ChannelStats fs = foldStats.get(f).get(e.getKey());
                    share[f] = fs == null ? 0 : fs.weight() / stats.get(e.getKey()).weight();
                }
                for (ConsumerLayer l : e.getValue()) if (out.containsKey(l.node())) shares.put(l.node(), share);
            }
            for (int f = 0; f < counts.length; f++) {
                Map<String, ChannelStats> hs = foldStats.get(f);
                Map<String, PatchStats> hp = cap.foldPatchStatistics(f);
                String hb = "calibration fold " + (f + 1) + " of " + counts.length + " (" + counts[f] + " of " + seen + " samples)";
                Map<String, InputMoments> fm = new LinkedHashMap<>();
                for (Map.Entry<String, List<ConsumerLayer>> e : readers.entrySet()) {
                    for (ConsumerLayer l : e.getValue()) {
                        InputMoments m = counts[f] > 0 ? moments(l, hs.get(e.getKey()), hp.get(e.getKey()), hb) : null;
                        if (m != null && out.containsKey(l.node())) fm.put(l.node(), m);
                    }
                }
                foldMoments.add(fm);
            }
            return new Result(out, seen, fed, foldMoments, counts, shares);
        }
    }

    private static CaptureRequest request(ConsumerResolver resolver, ConsumerLayer l) {
        if (l.groups() > 1) return null; // grouped convs: data-free moments only
        boolean dense = l.features() <= InputMoments.MAX_DENSE_FEATURES;
        if (l.dims().length == 2) {
            return new CaptureRequest(l.input(), -1, dense, null, WEIGHT_BY_NORM ? ResidualNorm.of(resolver.graph(), l) : null);
        }
        if (l.dims().length != 4) return null;
        Node n = resolver.graph().node(l.node());
        if (!dense) return CaptureRequest.of(l.input(), 1);
        String autoPad = n.attrString("auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET") && !autoPad.isEmpty()) return null;
        long[] k = n.attrInts("kernel_shape");
        int kh = (int) l.dims()[2], kw = (int) l.dims()[3];
        if (k != null && k.length == 2 && (k[0] != kh || k[1] != kw)) return null;
        long[] s = n.attrInts("strides"), p = n.attrInts("pads"), d = n.attrInts("dilations");
        s = s == null || s.length == 0 ? new long[] {1, 1} : s;
        p = p == null || p.length == 0 ? new long[] {0, 0, 0, 0} : p;
        d = d == null || d.length == 0 ? new long[] {1, 1} : d;
        if (s.length != 2 || p.length != 4 || d.length != 2) return null;
        return CaptureRequest.convInput(l.input(), new ConvPatch(kh, kw, (int) s[0], (int) s[1], (int) p[0], (int) p[1],
                (int) p[2], (int) p[3], (int) d[0], (int) d[1]));
    }

    private static InputMoments moments(ConsumerLayer l, ChannelStats cs, PatchStats ps, String basis) {
        int f = l.features();
        if (ps != null) {
            if (ps.features() != f) return null;
            return new InputMoments(f, ps.mean(), ps.secondMoment(), null, basis);
        }
        if (cs == null || cs.channels() != l.positions()) return null;
        if (cs.secondMoment() != null && l.taps() == 1) return new InputMoments(f, cs.mean(), cs.secondMoment(), null, basis);
        double[] mu = new double[f], var = new double[f];
        for (int p = 0; p < l.positions(); p++) {
            for (int t = 0; t < l.taps(); t++) {
                mu[p * l.taps() + t] = cs.mean()[p];
                var[p * l.taps() + t] = cs.variance(p);
            }
        }
        return InputMoments.independent(mu, var, basis + ", per channel");
    }
}
