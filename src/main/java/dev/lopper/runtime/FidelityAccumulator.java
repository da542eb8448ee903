package dev.lopper.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Accumulates reference vs candidate outputs batch by batch; sums are kept in double precision. */
public final class FidelityAccumulator {
    private final Map<String, Sums> sums = new LinkedHashMap<>();

    private static final class Sums {
        double dot, refSq, candSq, diffSq, maxAbs;
        long elements, rows, agree;
    }

    /** Adds one batch; both maps must hold the same outputs with the same shapes. */
    public void add(Map<String, HostTensor> reference, Map<String, HostTensor> candidate) {
        for (String name : reference.keySet()) {
            if (!candidate.containsKey(name)) {
                throw new EvalException("the candidate has no output '" + name + "' (its outputs are " + candidate.keySet() + ")");
            }
        }
        for (Map.Entry<String, HostTensor> e : reference.entrySet()) {
            String name = e.getKey();
            HostTensor ref = e.getValue();
            HostTensor cand = candidate.get(name);
            if (!Arrays.equals(ref.shape(), cand.shape())) {
                throw new EvalException("output '" + name + "': candidate shape " + HostTensor.shapeText(cand.shape())
                        + " differs from the reference's " + HostTensor.shapeText(ref.shape()));
            }
            Sums s = sums.computeIfAbsent(name, k -> new Sums());
            int n = ref.size();
            for (int i = 0; i < n; i++) {
                double r = ref.get(i);
                double c = cand.get(i);
                double d = c - r;
                s.dot += r * c;
                s.refSq += r * r;
                s.candSq += c * c;
                s.diffSq += d * d;
                double ad = Math.abs(d);
                if (ad > s.maxAbs || Double.isNaN(ad)) s.maxAbs = ad;
            }
            s.elements += n;
            if (isClassifierOutput(ref)) {
                int rows = (int) ref.dim(0);
                int classes = (int) ref.dim(1);
                for (int row = 0; row < rows; row++) {
                    if (argmax(ref, row * classes, classes) == argmax(cand, row * classes, classes)) s.agree++;
                }
                s.rows += rows;
            }
        }
    }

    /** Rank-2 [N, C] with C > 1: scores per class. */
    public static boolean isClassifierOutput(HostTensor t) {
        return t.rank() == 2 && t.dim(1) > 1;
    }

    /** Index of the largest value in {@code [offset, offset + n)}, the first one on ties (as torch.argmax). */
    static int argmax(HostTensor t, int offset, int n) {
        int best = 0;
        double bv = t.get(offset);
        for (int i = 1; i < n; i++) {
            double v = t.get(offset + i);
            if (v > bv) {
                bv = v;
                best = i;
            }
        }
        return best;
    }

    public List<OutputFidelity> result() {
        List<OutputFidelity> out = new ArrayList<>();
        sums.forEach((name, s) -> {
            double refNorm = Math.sqrt(s.refSq);
            double candNorm = Math.sqrt(s.candSq);
            double cosine;
            if (refNorm == 0 && candNorm == 0) cosine = 1;
            else if (refNorm == 0 || candNorm == 0) cosine = 0;
            else cosine = s.dot / (refNorm * candNorm);
            double relL2 = refNorm == 0 ? (s.diffSq == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.sqrt(s.diffSq) / refNorm;
            double top1 = s.rows == 0 ? Double.NaN : (double) s.agree / s.rows;
            out.add(new OutputFidelity(name, cosine, relL2, s.maxAbs, top1, s.elements, s.rows));
        });
        return out;
    }
}
