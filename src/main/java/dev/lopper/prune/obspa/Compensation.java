package dev.lopper.prune.obspa;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.GroupAnalysis;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.runtime.ModelSource;
import dev.lopper.importance.Weights;
import dev.lopper.task.Progress;
import dev.lopper.onnx.Tensors;
import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/**
 * OBSPA's weight compensation: for every consumer layer of the pruned groups, the columns of all removed channels
 * (of every group the layer reads) are removed at once and the surviving weights and bias move by
 * δW = −W_Q (H⁻¹_QQ)⁻¹ H⁻¹_Q,: (the least-squares optimum for the layer's input moments H). The new values are
 * written into the <em>original</em>-size constants (keeping each tensor's element type and storage); the plan
 * applier then slices the removed columns away, so indices never need re-mapping. Layers whose weight or bias is
 * shared with another node or not stored in the file are left as they are.
 */
public final class Compensation {
    private Compensation() {}

    /**
     * @param model       the model with compensated constants (the input proto when nothing changed)
     * @param compensated consumer nodes whose weights moved
     * @param skipped     consumer node → why it was not compensated
     * @param remeasured  consumers whose input moments were re-measured on the partly compensated model
     */
    public record Result(ModelProto model, List<String> compensated, Map<String, String> skipped, int remeasured, String note) {
        public Result(ModelProto model, List<String> compensated, Map<String, String> skipped) { this(model, compensated, skipped, 0, ""); }

        public Result(ModelProto model, List<String> compensated, Map<String, String> skipped, int remeasured) {
            this(model, compensated, skipped, remeasured, "");
        }
    }

    /** A joint (original + edited) propagation slower than this stops sequential compensation for the layers after it. */
    static final long SEQUENTIAL_BUDGET_NANOS = 3_000_000_000L;

    /** With calibration data: solve each consumer against the original model's input (measured joint moments). */
    static boolean SEQUENTIAL_MEASURED = !Boolean.getBoolean("lopper.obspa.noJoint");

    /**
     * With calibration data, each consumer's update is cross-validated: the samples are split into {@code FOLDS} folds
     * (sample i in fold i % FOLDS), the update is fitted without each fold and measured on it, and the layer keeps the
     * fraction α of its update that minimises that held-out error (α = 0: sliced without an update; see
     * {@link JointCompensation#gate}).
     * {@code -Dlopper.obspa.noGate=true} turns the gate off (for A/B runs).
     */
    static boolean HELD_OUT_GATE = !Boolean.getBoolean("lopper.obspa.noGate");

    static final int FOLDS = 4;

    public static Result apply(ModelProto proto, GroupAnalysis analysis, GraphObspaSource source, Map<String, int[]> kept) {
        ConsumerResolver resolver = source.resolver();
        Map<String, ConsumerLayer> layers = new LinkedHashMap<>();
        Map<String, BitSet> removedPositions = new LinkedHashMap<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : kept.entrySet()) {
            CoupledGroup g = analysis.group(e.getKey());
            if (g == null || e.getValue().length == g.channels()) continue;
            BitSet gone = new BitSet();
            gone.set(0, g.channels());
            for (int c : e.getValue()) gone.clear(c);
            int[] removed = gone.stream().toArray();
            for (ParamSlice s : g.slices()) {
                if (s.role() != ParamSlice.Role.CONSUMER_WEIGHT) continue;
                var l = resolver.resolve(s);
                if (l.isEmpty()) {
                    skipped.put(s.node(), "OBSPA cannot read this layer");
                    continue;
                }
                layers.putIfAbsent(l.get().node(), l.get());
                BitSet b = removedPositions.computeIfAbsent(l.get().node(), x -> new BitSet());
                for (int p : s.map().indicesOf(removed)) b.set(p);
            }
        }
        if (layers.isEmpty()) return new Result(proto, List.of(), skipped);
        // consumers in graph order, so that with calibration data each one is re-measured after those before it moved
        Map<String, Integer> order = new HashMap<>();
        List<dev.lopper.graph.Node> nodes = resolver.graph().nodes();
        for (int i = 0; i < nodes.size(); i++) order.put(nodes.get(i).name(), i);
        List<ConsumerLayer> sorted = new ArrayList<>(layers.values());
        sorted.sort(java.util.Comparator.comparingInt(l -> order.getOrDefault(l.node(), Integer.MAX_VALUE)));
        GraphObspaSource.Calibration cal = source.calibration();

        Weights weights = Weights.of(resolver.graph());
        List<String> done = new ArrayList<>();
        ModelProto current = proto;
        int remeasured = 0;
        Map<String, float[]> pending = new HashMap<>();
        // data-free with full moments: sequential, against the original model (joint moments of original and edited model)
        CovarianceMoments base = cal == null && source.sequential() ? source.fullMoments() : null;
        boolean sequential = base != null && base.copies() == 1;
        Map<String, float[]> edits = new HashMap<>();
        JointTally tally = new JointTally();
        GateTally gates = new GateTally();
        // without data: the BatchNormalization re-estimation propagates the compensated model beside this loop
        Reestimation reestimation = cal == null && source.recalibrate() && source.fullMoments() != null
                && source.fullMoments().copies() == 1 && skipped.isEmpty()
                ? new Reestimation(resolver, weights, source.fullMoments(), sorted) : null;
        try {
            for (ConsumerLayer l : sorted) {
                if (!resolver.writable(l.weight())) {
                    skipped.put(l.node(), "weight '" + l.weight() + "' is shared or not stored in the file");
                    continue;
                }
                if (l.bias() != null && !resolver.writable(l.bias().tensor())) {
                    skipped.put(l.node(), "bias '" + l.bias().tensor() + "' is shared or not stored in the file");
                    continue;
                }
                GraphObspaSource use = source;
                boolean gate = cal != null && HELD_OUT_GATE && l.groups() == 1 && l.features() <= InputMoments.MAX_DENSE_FEATURES;
                CalibratedMoments.Result measured = null;
                if (cal != null && (!done.isEmpty() || gate)) {
                    // inputs as the partly compensated model (removed columns zeroed = removed) now produces them
                    if (!pending.isEmpty()) {
                        current = replace(current, pending, resolver);
                        pending.clear();
                    }
                    ModelSource ms = ModelSource.of(current, resolver.graph().model().baseDir(), "partly pruned model");
                    measured = CalibratedMoments.capture(ms, resolver, List.of(l), cal.asCalibrationData(), Progress.NONE,
                            gate ? FOLDS : 0);
                    if (!done.isEmpty() && measured.moments().containsKey(l.node())) {
                        use = source.withCalibrated(measured.moments());
                        remeasured++;
                    }
                }
                ObspaLayers.Built b = ObspaLayers.build(l, use, weights);
                if (!b.derived()) {
                    skipped.put(l.node(), "no input moments (identity H: nothing to compensate)");
                    if (reestimation != null) reestimation.unchanged(l);
                    continue;
                }
                int[] cols = l.columns(removedPositions.get(l.node()).stream().toArray());
                b.solver().remove(cols);
                double[][] w = b.solver().weights();
                // the gate: the same update fitted without each fold, and that fold's moments to judge it on
                Folds folds = gate && measured != null ? Folds.oneShot(l, measured, source, weights, cols) : null;
                if (cal != null && !done.isEmpty() && SEQUENTIAL_MEASURED && l.groups() == 1
                        && l.features() <= dev.lopper.prune.obspa.InputMoments.MAX_DENSE_FEATURES) {
                    // against the original model: joint moments of the original and the partly pruned model's input
                    ModelProto merged = JointModel.merge(proto, current, l.input(), l.dims().length > 2 ? 1 : -1);
                    if (merged != null) {
                        ConsumerLayer jl = new ConsumerLayer(l.node(), l.weight(), l.dims(), l.axis(), l.outputs(), 2 * l.positions(),
                                l.taps(), l.transposed(), JointModel.JOINT, l.bias(), 1);
                        ModelSource ms = ModelSource.of(merged, resolver.graph().model().baseDir(), "original and partly pruned model");
                        var jc = CalibratedMoments.capture(ms, resolver, List.of(jl), cal.asCalibrationData(), Progress.NONE,
                                folds != null ? FOLDS : 0);
                        var jm = jc.moments().get(l.node());
                        if (jm != null) {
                            double[][] orig = original(l, weights);
                            JointCompensation.Result jr = JointCompensation.solveMeasured(l, jm, orig, w, l.bias() != null, cols,
                                    source.damping());
                            if (jr != null) {
                                w = tally.add(jr);
                                // judged against the original model's output too: per fold, the joint fit and the held-out joint moments
                                if (folds != null) folds = folds.joint(l, jc, orig, cols, source.damping());
                            }
                        }
                    }
                }
                if (folds != null) {
                    w = gates.add(JointCompensation.gate(original(l, weights), w, folds.fitted(), folds.held(), folds.shares(), cols,
                            l.features(), l.bias() != null));
                }
                if (sequential) {
                    long t0 = System.nanoTime();
                    CovarianceMoments joint = CovarianceMoments.joint(resolver.graph(), weights, base, edits);
                    if (System.nanoTime() - t0 > SEQUENTIAL_BUDGET_NANOS) sequential = false;
                    var jm = joint.of(l.input(), l.dims().length > 2 ? 1 : -1);
                    if (jm.isPresent()) {
                        double[][] orig = original(l, weights);
                        JointCompensation.Result jr = JointCompensation.solve(l, jm.get(), resolver.graph(), orig, w, l.bias() != null,
                                cols, source.damping());
                        if (jr != null) w = tally.add(jr);
                    }
                }
                pending.put(l.weight(), l.values(w));
                edits.put(l.weight(), pending.get(l.weight()));
                if (reestimation != null) reestimation.edited(l.weight(), pending.get(l.weight()));
                if (l.bias() != null) {
                    int f = l.features();
                    float[] old = weights.get(l.bias().tensor()).values();
                    float[] nb = old.clone();
                    for (int o = 0; o < l.outputs(); o++) {
                        double start = l.bias().initial() ? old[o] : 0;
                        nb[o] = (float) (old[o] + l.bias().sign() * (w[o][f] - start));
                    }
                    pending.put(l.bias().tensor(), nb);
                    edits.put(l.bias().tensor(), nb);
                    if (reestimation != null) reestimation.edited(l.bias().tensor(), nb);
                }
                done.add(l.node());
            }
        } finally {
            if (reestimation != null) reestimation.release();
        }
        // without data: every BatchNormalization gets the statistics the compensated model's input is predicted to have
        int reestimated = 0;
        if (reestimation != null && skipped.isEmpty() && !done.isEmpty()) {
            Map<String, float[][]> stats = reestimation.statistics();
            for (Map.Entry<String, float[][]> e : stats.entrySet()) {
                dev.lopper.graph.Node bn = resolver.graph().node(e.getKey());
                if (bn == null || !resolver.writable(bn.input(3)) || !resolver.writable(bn.input(4))) continue;
                float[] om = weights.get(bn.input(3)).values(), ov = weights.get(bn.input(4)).values();
                float[] nm = e.getValue()[0], nv = e.getValue()[1];
                if (om.length != nm.length) continue;
                boolean differs = false;
                for (int i = 0; i < nm.length; i++) {
                    if (Math.abs(nm[i] - om[i]) > 1e-5 * (Math.sqrt(ov[i]) + 1e-6) || Math.abs(nv[i] - ov[i]) > 1e-5 * (ov[i] + 1e-12)) differs = true;
                }
                if (!differs) continue;
                pending.put(bn.input(3), nm);
                pending.put(bn.input(4), nv);
                reestimated++;
            }
        }
        weights.clear();
        if (!pending.isEmpty()) current = replace(current, pending, resolver);
        String note = tally.note() + gates.note();
        if (reestimated > 0) {
            note += "; " + reestimated + " BatchNormalization statistics re-estimated from the propagated moments (data-free)";
        }
        if (cal != null && source.recalibrate() && !done.isEmpty()) {
            if (!skipped.isEmpty()) {
                note += "; BatchNormalization statistics not re-estimated (a consumer was not compensated, so the model"
                        + " before slicing does not compute the pruned model)";
            } else {
                NormRecalibration.Result nr = NormRecalibration.apply(current, resolver.graph(), resolver,
                        new java.util.HashSet<>(done), cal.asCalibrationData(), Progress.NONE);
                current = nr.model();
                if (!nr.recalibrated().isEmpty()) {
                    note += "; " + nr.recalibrated().size() + " BatchNormalization statistics re-estimated on the calibration data ("
                            + nr.passes() + " pass" + (nr.passes() == 1 ? "" : "es") + ")";
                }
            }
        }
        return new Result(current, done, skipped, remeasured, note);
    }

    /**
     * Data-free BatchNormalization re-estimation ({@link CovarianceMoments#reestimate}) on a thread of its own, started
     * before the compensation loop: the propagation waits at each consumer whose constants the loop has not solved yet,
     * so it runs beside the loop and computes what it would after it.
     */
    private static final class Reestimation {
        private final Map<String, java.util.concurrent.CompletableFuture<float[]>> solved = new HashMap<>();
        private final java.util.concurrent.FutureTask<Map<String, float[][]>> task;

        /** @param layers the consumers the loop will compensate (weight and bias, when not skipped) */
        Reestimation(ConsumerResolver resolver, Weights weights, CovarianceMoments base, List<ConsumerLayer> layers) {
            for (ConsumerLayer l : layers) {
                if (!resolver.writable(l.weight()) || l.bias() != null && !resolver.writable(l.bias().tensor())) continue;
                solved.put(l.weight(), new java.util.concurrent.CompletableFuture<>());
                if (l.bias() != null) solved.put(l.bias().tensor(), new java.util.concurrent.CompletableFuture<>());
            }
            task = new java.util.concurrent.FutureTask<>(() -> CovarianceMoments.reestimate(resolver.graph(), weights, base, t -> {
                var f = solved.get(t);
                return f == null ? null : f.join();
            }));
            Thread t = new Thread(task, "lopper-bn-reestimation");
            t.setDaemon(true);
            t.start();
        }

        /** The loop's new values of a constant. */
        void edited(String tensor, float[] values) { solved.get(tensor).complete(values); }

        /** A consumer the loop leaves as it is. */
        void unchanged(ConsumerLayer l) {
            solved.get(l.weight()).complete(null);
            if (l.bias() != null) solved.get(l.bias().tensor()).complete(null);
        }

        /** After the loop (or its failure): whatever it did not hand over stays unedited, so the propagation ends. */
        void release() {
            for (var f : solved.values()) f.complete(null);
        }

        /** The re-estimated statistics by BatchNormalization node (waits for the propagation). */
        Map<String, float[][]> statistics() { return Obspa.await(task); }
    }

    static ModelProto replace(ModelProto proto, Map<String, float[]> values, ConsumerResolver resolver) {
        GraphProto.Builder gb = proto.getGraph().toBuilder();
        TreeSet<String> left = new TreeSet<>(values.keySet());
        for (int i = 0; i < gb.getInitializerCount(); i++) {
            TensorProto t = gb.getInitializer(i);
            float[] v = values.get(t.getName());
            if (v == null) continue;
            gb.setInitializer(i, Tensors.replaceValues(t, v));
            left.remove(t.getName());
        }
        for (int i = 0; i < gb.getNodeCount() && !left.isEmpty(); i++) {
            NodeProto n = gb.getNode(i);
            if (n.getOutputCount() == 0 || !left.contains(n.getOutput(0))) continue;
            NodeProto.Builder nb = n.toBuilder();
            for (int a = 0; a < nb.getAttributeCount(); a++) {
                AttributeProto at = nb.getAttribute(a);
                if (at.getName().equals("value") && at.hasT()) {
                    nb.setAttribute(a, at.toBuilder().setT(Tensors.replaceValues(at.getT(), values.get(n.getOutput(0)))));
                    left.remove(n.getOutput(0));
                }
            }
            gb.setNode(i, nb);
        }
        return proto.toBuilder().setGraph(gb).build();
    }

    /** The layer's original rows × (features [+ bias]). */
    private static double[][] original(ConsumerLayer l, Weights weights) {
        float[] bv = l.bias() != null && l.bias().initial() ? weights.get(l.bias().tensor()).values() : null;
        return l.matrix(weights.get(l.weight()).values(), bv, l.bias() != null);
    }

    /**
     * One layer's cross-validation: per fold k, the update fitted without fold k's samples and that fold's
     * {H, Ĥ, C} ({@code held.get(k)}), and the folds' sample counts.
     */
    private record Folds(List<double[][]> fitted, List<double[][]> held, long[] samples) {
        /** The one-shot update per fold (target: the layer's own output on its measured input); null when not measurable. */
        static Folds oneShot(ConsumerLayer l, CalibratedMoments.Result measured, GraphObspaSource source, Weights weights, int[] cols) {
            int n = measured.folds(l.node());
            if (n == 0) return null;
            List<double[][]> fitted = new ArrayList<>();
            List<double[][]> held = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                InputMoments heldIn = measured.heldOut(l.node(), k);
                if (heldIn.secondMoment() == null) return null;
                ObspaLayers.Built b = ObspaLayers.build(l, source.withCalibrated(Map.of(l.node(), measured.fitted(l.node(), k))), weights);
                b.solver().remove(cols);
                fitted.add(b.solver().weights());
                held.add(JointCompensation.sameBlocks(heldIn, l.bias() != null));
            }
            return new Folds(fitted, held, measured.foldSamples());
        }

        /**
         * The update against the original model per fold, from these one-shot fits and the joint (original, edited)
         * moments {@code jc}; null when a fold cannot be solved.
         */
        Folds joint(ConsumerLayer l, CalibratedMoments.Result jc, double[][] orig, int[] cols, double damping) {
            if (jc.folds(l.node()) != fitted.size()) return null;
            List<double[][]> jf = new ArrayList<>();
            List<double[][]> jh = new ArrayList<>();
            for (int k = 0; k < fitted.size(); k++) {
                JointCompensation.Result r = JointCompensation.solveMeasured(l, jc.fitted(l.node(), k), orig, fitted.get(k),
                        l.bias() != null, cols, damping);
                if (r == null) return null;
                jf.add(r.weights());
                jh.add(JointCompensation.jointBlocks(jc.heldOut(l.node(), k), l.features(), l.bias() != null));
            }
            return new Folds(jf, jh, jc.foldSamples());
        }

        /** Each fold's share of the samples. */
        double[] shares() {
            double total = 0;
            for (long c : samples) total += c;
            double[] share = new double[samples.length];
            for (int k = 0; k < share.length; k++) share[k] = samples[k] / total;
            return share;
        }
    }

    /** What the cross-validated shrinkage did, over the layers it judged. */
    private static final class GateTally {
        int layers, whole, none;
        double alphaSum, plain, gated;

        double[][] add(JointCompensation.Gate g) {
            layers++;
            alphaSum += g.alpha();
            if (g.alpha() >= 1) whole++;
            if (g.alpha() <= 0) none++;
            plain += g.plainError();
            gated += g.gatedError();
            return g.weights();
        }

        String note() {
            return layers == 0 ? "" : String.format(java.util.Locale.ROOT,
                    "; %d-fold cross-validated update on %d layers (mean α %.3f: %d keep all of their update, %d none);"
                            + " held-out error %.4g (slicing alone) → %.4g", FOLDS, layers, alphaSum / layers, whole, none, plain, gated);
        }
    }

    /** What the sequential (joint) updates did, summed over the layers they were applied to. */
    private static final class JointTally {
        int layers, rowsJoint, rowsOne, rowsPlain;
        double errBefore, errAfter;

        /** Counts {@code r} in; returns its weights. */
        double[][] add(JointCompensation.Result r) {
            layers++;
            rowsJoint += r.joint();
            rowsOne += r.oneShot();
            rowsPlain += r.plain();
            errBefore += r.errorBefore();
            errAfter += r.errorAfter();
            return r.weights();
        }

        String note() {
            return layers == 0 ? "" : String.format(java.util.Locale.ROOT,
                    "; %d sequential against the original model (rows: %d joint update, %d one-shot update, %d left as sliced;"
                            + " predicted error %.4g → %.4g)", layers, rowsJoint, rowsOne, rowsPlain, errBefore, errAfter);
        }
    }
}
