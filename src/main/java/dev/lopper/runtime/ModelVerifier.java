package dev.lopper.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Checks a candidate model (e.g. a pruned one) against its original before it is written: both run on the
 * same seeded random inputs; the candidate must load, run, have the same inputs and outputs, each output
 * the original's shape and finite where the original's is. Never throws for a bad candidate: the result
 * says what is wrong. Throws {@link EvalException} only when the original itself cannot be run.
 */
public final class ModelVerifier {
    private ModelVerifier() {}

    public static VerificationResult verify(ModelSource original, ModelSource candidate, VerifyOptions options) {
        return verify(original, candidate, options, java.util.Set.of());
    }

    /**
     * @param resizable inputs and outputs whose fixed dims may differ in the candidate (a decoder's KV cache, see
     *                  {@link dev.lopper.graph.KvCache}): the candidate is fed random values of its own declared shape
     *                  for such an input (dynamic axes as in the original's feed), and such an output may change shape
     *                  (it is still checked to be finite and is left out of the fidelity figures)
     */
    public static VerificationResult verify(ModelSource original, ModelSource candidate, VerifyOptions options,
                                            java.util.Set<String> resizable) {
        try (Reference ref = Reference.open(original, options, false)) {
            return verify(ref, candidate, options, resizable);
        }
    }

    /**
     * The original's side of a verification, reusable for any number of candidates: its ONNX Runtime session, the
     * seeded random inputs and its outputs on them.
     */
    public static final class Reference implements AutoCloseable {
        private final EvalSession session;
        private final Map<String, HostTensor> inputs;
        private final Map<String, HostTensor> expected;
        private final double refMs;

        private Reference(EvalSession session, Map<String, HostTensor> inputs, Map<String, HostTensor> expected, double refMs) {
            this.session = session;
            this.inputs = inputs;
            this.expected = expected;
            this.refMs = refMs;
        }

        /**
         * Opens and runs the original. {@code checked}: the caller has read the file with
         * {@link dev.lopper.onnx.ModelReader} (Lopper's checks passed), so it is not parsed a second time.
         *
         * @throws EvalException when the original cannot be loaded or run
         */
        static Reference open(ModelSource original, VerifyOptions options, boolean checked) {
            EvalSession ref = checked && original instanceof ModelSource.FileModel f
                    ? EvalSession.openChecked(f, options.session()) : EvalSession.open(original, options.session());
            try {
                Map<String, HostTensor> inputs = RandomInputs.forSession(ref, options.shapes(), options.ints(), options.seed());
                Map<String, HostTensor> expected = ref.run(inputs);
                double refMs = medianMs(ref, inputs, options.timedRuns());
                return new Reference(ref, inputs, expected, refMs);
            } catch (RuntimeException | Error e) {
                ref.close();
                throw e;
            }
        }

        @Override
        public void close() { session.close(); }
    }

    /**
     * The reference of {@code model} (already read and checked by Lopper), opened and run on a background thread
     * from now on, so that ONNX Runtime loads and runs the original while the caller scores and plans (a cold
     * {@code lopper prune} overlaps the two on two cores). {@link Prefetch#get()} waits for it.
     */
    public static Prefetch prefetch(dev.lopper.onnx.OnnxModel model, VerifyOptions options) {
        return new Prefetch(new ModelSource.FileModel(model.path()), options);
    }

    /** A {@link Reference} being prepared on a daemon thread; closing it closes the reference whenever it is done. */
    public static final class Prefetch implements AutoCloseable {
        private final VerifyOptions options;
        private final java.util.concurrent.CompletableFuture<Reference> future = new java.util.concurrent.CompletableFuture<>();
        private boolean closed;

        private Prefetch(ModelSource original, VerifyOptions options) {
            this.options = options;
            Thread t = new Thread(() -> {
                Reference r = null;
                Throwable failure = null;
                try {
                    r = Reference.open(original, options, true);
                } catch (Throwable e) {
                    failure = e;
                }
                synchronized (this) {
                    if (closed && r != null) r.close();
                    if (failure != null) future.completeExceptionally(failure);
                    else future.complete(r);
                }
            }, "lopper-verify-reference");
            t.setDaemon(true);
            t.start();
        }

        /** The options the reference was made with. */
        public VerifyOptions options() { return options; }

        /**
         * Waits for the reference.
         *
         * @throws EvalException as {@link Reference#open} would throw it (the original cannot be loaded or run)
         */
        public Reference get() {
            return dev.lopper.task.Futures.await(future, c -> new EvalException(String.valueOf(c.getMessage()), c));
        }

        @Override
        public synchronized void close() {
            if (closed) return;
            closed = true;
            if (future.isDone() && !future.isCompletedExceptionally()) future.join().close();
        }
    }

    /** Verifies {@code candidate} against a reference (its session, inputs and outputs); the reference stays open. */
    public static VerificationResult verify(Reference reference, ModelSource candidate, VerifyOptions options) {
        return verify(reference, candidate, options, java.util.Set.of());
    }

    /** As {@link #verify(Reference, ModelSource, VerifyOptions)}, with inputs and outputs that may change shape. */
    public static VerificationResult verify(Reference reference, ModelSource candidate, VerifyOptions options,
                                            java.util.Set<String> resizable) {
        {
            EvalSession ref = reference.session;
            Map<String, HostTensor> inputs = reference.inputs;
            Map<String, HostTensor> expected = reference.expected;
            double refMs = reference.refMs;
            EvalSession cand;
            try {
                cand = EvalSession.open(candidate, options.session());
            } catch (EvalException e) {
                return VerificationResult.failed("candidate does not load: " + e.getMessage(), List.of(), refMs, Double.NaN);
            }
            try (cand) {
                String inputError = compareInputs(ref.inputs(), cand.inputs(), resizable);
                if (inputError != null) return VerificationResult.failed(inputError, List.of(), refMs, Double.NaN);
                Map<String, HostTensor> candInputs = resized(inputs, cand.inputs(), resizable, options.seed());
                Map<String, HostTensor> actual;
                double candMs;
                try {
                    actual = cand.run(candInputs);
                    candMs = medianMs(cand, candInputs, options.timedRuns());
                } catch (EvalException e) {
                    return VerificationResult.failed("candidate fails to run: " + e.getMessage(), List.of(), refMs, Double.NaN);
                }
                List<OutputCheck> checks = new ArrayList<>();
                String error = null;
                for (Map.Entry<String, HostTensor> e : expected.entrySet()) {
                    HostTensor a = actual.get(e.getKey());
                    boolean free = a != null && resizable.contains(e.getKey()) && a.rank() == e.getValue().rank();
                    OutputCheck c = new OutputCheck(e.getKey(), e.getValue().shape(), a == null ? null : a.shape(),
                            a == null || (free ? allFinite(a) : finiteWhere(e.getValue(), a)));
                    checks.add(c);
                    if (error == null) {
                        if (a == null) error = "candidate has no output '" + e.getKey() + "' (outputs: " + actual.keySet() + ")";
                        else if (!c.shapeMatches() && !free) error = "output '" + e.getKey() + "' has shape " + HostTensor.shapeText(c.actualShape())
                                + ", the original's is " + HostTensor.shapeText(c.expectedShape());
                        else if (!c.finite()) error = "output '" + e.getKey() + "' has NaN or infinite values where the original's are finite";
                    }
                }
                if (error == null && actual.size() != expected.size()) {
                    error = "candidate has outputs " + actual.keySet() + ", the original has " + expected.keySet();
                }
                if (error != null) return VerificationResult.failed(error, checks, refMs, candMs);
                FidelityAccumulator f = new FidelityAccumulator();
                Map<String, HostTensor> same = new java.util.LinkedHashMap<>(expected), sameActual = new java.util.LinkedHashMap<>(actual);
                for (String name : resizable) {
                    if (same.containsKey(name) && actual.containsKey(name) && !Arrays.equals(same.get(name).shape(), actual.get(name).shape())) {
                        same.remove(name);
                        sameActual.remove(name);
                    }
                }
                f.add(same, sameActual);
                return new VerificationResult(true, null, checks, refMs, candMs, f.result());
            }
        }
    }

    /** The original's feed, with resizable inputs the candidate declares smaller replaced by seeded random values of its shape. */
    private static Map<String, HostTensor> resized(Map<String, HostTensor> inputs, List<TensorSpec> cand, java.util.Set<String> resizable, long seed) {
        if (resizable.isEmpty()) return inputs;
        Map<String, HostTensor> r = new java.util.LinkedHashMap<>(inputs);
        int index = 0;
        for (TensorSpec c : cand) {
            index++;
            HostTensor fed = inputs.get(c.name());
            if (fed == null || !resizable.contains(c.name()) || !fed.isFloating() || fed.rank() != c.rank()) continue;
            long[] shape = fed.shape();
            boolean changed = false;
            for (int i = 0; i < shape.length; i++) {
                if (c.dims()[i] >= 0 && c.dims()[i] != shape[i]) { shape[i] = c.dims()[i]; changed = true; }
            }
            if (!changed) continue;
            HostTensor t = HostTensor.allocate(fed.elemType(), shape);
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed * 7_919L + index);
            for (int i = 0; i < t.size(); i++) t.set(i, rnd.nextDouble() * 2 - 1);
            r.put(c.name(), t);
        }
        return r;
    }

    private static boolean allFinite(HostTensor t) {
        if (!t.isFloating()) return true;
        for (int i = 0; i < t.size(); i++) if (!Double.isFinite(t.get(i))) return false;
        return true;
    }

    private static String compareInputs(List<TensorSpec> ref, List<TensorSpec> cand, java.util.Set<String> resizable) {
        if (ref.size() != cand.size()) {
            return "candidate has inputs " + cand.stream().map(TensorSpec::name).toList() + ", the original has "
                    + ref.stream().map(TensorSpec::name).toList();
        }
        for (TensorSpec r : ref) {
            TensorSpec c = cand.stream().filter(s -> s.name().equals(r.name())).findFirst().orElse(null);
            if (c == null) return "candidate has no input '" + r.name() + "'";
            if (c.elemType() != r.elemType() || c.rank() != r.rank()) {
                return "input '" + r.name() + "' is " + c.describe() + " in the candidate, " + r.describe() + " in the original";
            }
            for (int i = 0; i < r.rank() && !resizable.contains(r.name()); i++) {
                if (r.dims()[i] >= 0 && c.dims()[i] >= 0 && r.dims()[i] != c.dims()[i]) {
                    return "input '" + r.name() + "' is " + c.describe() + " in the candidate, " + r.describe() + " in the original";
                }
            }
        }
        return null;
    }

    private static boolean finiteWhere(HostTensor ref, HostTensor cand) {
        if (!Arrays.equals(ref.shape(), cand.shape())) return true;
        int n = ref.size();
        for (int i = 0; i < n; i++) {
            if (Double.isFinite(ref.get(i)) && !Double.isFinite(cand.get(i))) return false;
        }
        return true;
    }

    private static double medianMs(EvalSession s, Map<String, HostTensor> inputs, int runs) {
        if (runs <= 0) return Double.NaN;
        double[] t = new double[runs];
        try (EvalSession.PreparedInputs p = s.prepare(inputs)) {
            for (int i = 0; i < runs; i++) t[i] = s.runNanos(p) / 1e6;
        }
        return LatencyStats.median(t);
    }
}
