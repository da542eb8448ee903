package dev.lopper.prune.obspa;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.lopper.runtime.ActivationCapture;
import dev.lopper.runtime.CaptureRequest;
import dev.lopper.runtime.ChannelStats;
import dev.lopper.runtime.Dataset;
import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.SessionConfig;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.task.Progress;

/**
 * BatchNormalization re-estimation after pruning (no training): every BatchNormalization downstream of a layer that
 * pruning or compensation changed gets its running mean and variance re-measured on the calibration data as the
 * pruned model now produces its input, so it again hands γ·x̂ + β with the statistics the next layer was trained on
 * (the "BN recalibration" of slimmable / pruned networks). Measured per channel over samples and spatial positions.
 * The BatchNormalizations are re-measured level by level in graph order: a pass measures every one whose upstream
 * BatchNormalizations are already final, so the statistics are those of the fully recalibrated model (one pass per
 * BatchNormalization depth level). Statistics that are shared or not stored in the file are left as they are.
 */
public final class NormRecalibration {
    private NormRecalibration() {}

    /**
     * @param model       the model with re-estimated statistics (the input proto when nothing changed)
     * @param recalibrated BatchNormalization nodes whose statistics were replaced
     * @param passes      ONNX Runtime passes over the calibration data
     */
    public record Result(ModelProto model, List<String> recalibrated, int passes) { }

    /**
     * @param model   the pruned (compensated, possibly not yet sliced) model; its graph is {@code graph}'s
     * @param changed nodes whose weights or inputs pruning changed
     */
    public static Result apply(ModelProto model, ModelGraph graph, ConsumerResolver resolver, Set<String> changed,
                               dev.lopper.runtime.CalibrationData data, Progress progress) {
        // nodes downstream of a change, and for each BN the BNs upstream of it that are also recalibrated
        Set<String> dirty = new HashSet<>();
        Map<String, Set<String>> upstreamBn = new LinkedHashMap<>(); // tensor → recalibrated BNs it depends on
        List<Node> bns = new ArrayList<>();
        Map<String, Integer> level = new LinkedHashMap<>();
        for (Node n : graph.nodes()) {
            boolean d = changed.contains(n.name());
            Set<String> up = new HashSet<>();
            for (String in : n.inputs()) {
                if (in.isEmpty()) continue;
                if (dirty.contains(in)) d = true;
                up.addAll(upstreamBn.getOrDefault(in, Set.of()));
            }
            if (d && n.opType().equals("BatchNormalization") && n.inputs().size() >= 5 && n.outputs().size() == 1
                    && resolver.writable(n.inputs().get(3)) && resolver.writable(n.inputs().get(4))) {
                int lv = 0;
                for (String u : up) lv = Math.max(lv, level.get(u) + 1);
                level.put(n.name(), lv);
                bns.add(n);
                up = new HashSet<>(up);
                up.add(n.name());
            }
            for (String out : n.outputs()) {
                if (d) dirty.add(out);
                if (!up.isEmpty()) upstreamBn.put(out, up);
            }
        }
        if (bns.isEmpty()) return new Result(model, List.of(), 0);
        int levels = 0;
        for (int v : level.values()) levels = Math.max(levels, v + 1);
        ModelProto current = model;
        List<String> done = new ArrayList<>();
        int passes = 0;
        for (int lv = 0; lv < levels; lv++) {
            progress.checkCancelled();
            progress.update("Re-estimating BatchNormalization statistics", lv, levels);
            List<Node> these = new ArrayList<>();
            for (Node n : bns) if (level.get(n.name()) == lv) these.add(n);
            List<CaptureRequest> req = new ArrayList<>();
            for (Node n : these) req.add(CaptureRequest.of(n.inputs().get(0), 1));
            Map<String, ChannelStats> stats;
            ModelSource ms = ModelSource.of(current, graph.model().baseDir(), "pruned model");
            try (ActivationCapture cap = ActivationCapture.open(ms, req, SessionConfig.DEFAULT.withBatchSize(CalibratedMoments.BATCH));
                 Dataset ds = data.open(cap.inputs(), CalibratedMoments.BATCH)) {
                cap.accumulate(ds, CalibratedMoments.BATCH, data.maxSamples(), Progress.NONE);
                stats = cap.statistics();
            }
            passes++;
            Map<String, float[]> values = new LinkedHashMap<>();
            for (Node n : these) {
                ChannelStats s = stats.get(n.inputs().get(0));
                if (s == null || s.count() == 0) continue;
                int c = s.channels();
                float[] mean = new float[c], var = new float[c];
                for (int i = 0; i < c; i++) {
                    mean[i] = (float) s.mean()[i];
                    var[i] = (float) s.variance(i);
                }
                values.put(n.inputs().get(3), mean);
                values.put(n.inputs().get(4), var);
                done.add(n.name());
            }
            if (!values.isEmpty()) current = Compensation.replace(current, values, resolver);
        }
        return new Result(current, done, passes);
    }
}
