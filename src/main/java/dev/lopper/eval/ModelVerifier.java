package dev.lopper.eval;

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
        try (EvalSession ref = EvalSession.open(original, options.session())) {
            Map<String, HostTensor> inputs = RandomInputs.forSession(ref, options.shapes(), options.ints(), options.seed());
            Map<String, HostTensor> expected = ref.run(inputs);
            double refMs = medianMs(ref, inputs, options.timedRuns());
            EvalSession cand;
            try {
                cand = EvalSession.open(candidate, options.session());
            } catch (EvalException e) {
                return VerificationResult.failed("candidate does not load: " + e.getMessage(), List.of(), refMs, Double.NaN);
            }
            try (cand) {
                String inputError = compareInputs(ref.inputs(), cand.inputs());
                if (inputError != null) return VerificationResult.failed(inputError, List.of(), refMs, Double.NaN);
                Map<String, HostTensor> actual;
                double candMs;
                try {
                    actual = cand.run(inputs);
                    candMs = medianMs(cand, inputs, options.timedRuns());
                } catch (EvalException e) {
                    return VerificationResult.failed("candidate fails to run: " + e.getMessage(), List.of(), refMs, Double.NaN);
                }
                List<OutputCheck> checks = new ArrayList<>();
                String error = null;
                for (Map.Entry<String, HostTensor> e : expected.entrySet()) {
                    HostTensor a = actual.get(e.getKey());
                    OutputCheck c = new OutputCheck(e.getKey(), e.getValue().shape(), a == null ? null : a.shape(),
                            a == null || finiteWhere(e.getValue(), a));
                    checks.add(c);
                    if (error == null) {
                        if (a == null) error = "candidate has no output '" + e.getKey() + "' (outputs: " + actual.keySet() + ")";
                        else if (!c.shapeMatches()) error = "output '" + e.getKey() + "' has shape " + HostTensor.shapeText(c.actualShape())
                                + ", the original's is " + HostTensor.shapeText(c.expectedShape());
                        else if (!c.finite()) error = "output '" + e.getKey() + "' has NaN or infinite values where the original's are finite";
                    }
                }
                if (error == null && actual.size() != expected.size()) {
                    error = "candidate has outputs " + actual.keySet() + ", the original has " + expected.keySet();
                }
                if (error != null) return VerificationResult.failed(error, checks, refMs, candMs);
                FidelityAccumulator f = new FidelityAccumulator();
                f.add(expected, actual);
                return new VerificationResult(true, null, checks, refMs, candMs, f.result());
            }
        }
    }

    private static String compareInputs(List<TensorSpec> ref, List<TensorSpec> cand) {
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
            for (int i = 0; i < r.rank(); i++) {
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
