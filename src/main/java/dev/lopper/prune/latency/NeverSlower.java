package dev.lopper.prune.latency;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;

import dev.lopper.runtime.BenchResult;
import dev.lopper.runtime.EvalSession;
import dev.lopper.runtime.HostTensor;
import dev.lopper.runtime.InterleavedBench;
import dev.lopper.runtime.LatencyListener;
import dev.lopper.runtime.LatencyOptions;
import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.RandomInputs;
import dev.lopper.runtime.SessionConfig;
import dev.lopper.runtime.ShapePolicy;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.prune.PruneResult;
import dev.lopper.prune.PruningSession;
import dev.lopper.prune.PruningSettings;
import dev.lopper.task.Progress;

/**
 * "No model Lopper writes by default is slower than its original." After a prune, the verified model is timed
 * against the original in ONNX Runtime (interleaved pairs, batch 1, seeded inputs, the chosen intra-op threads:
 * {@link OrtMeter}). When it is slower by more than {@link #TOLERANCE}, the same request is planned again with
 * other channel roundings ({@link #fallbacks(int)}: round-to 8, 16, then auto) and the first that is not slower is
 * taken; when none is, there is no result (the caller refuses, unless told to write it anyway).
 * <p>
 * Models under {@link #MIN_MACS} MACs are not timed: they run in well under a millisecond, where per-op overhead and
 * thread wake-ups (which pruning does not change) dominate and the difference between two counts is below the noise of
 * a short measurement on a shared machine; the check would cost more than it could tell.
 */
public final class NeverSlower {
    private NeverSlower() {}

    /** Below this many MACs (original) the check is skipped. */
    public static final long MIN_MACS = 20_000_000L;

    /** A pruned model slower than the original by at most this fraction counts as not slower (timing noise). */
    public static final double TOLERANCE = 0.02;

    /** Times a candidate against the original. */
    public interface Meter extends AutoCloseable {
        Timing time(ModelProto candidate, Progress progress);

        @Override
        default void close() {}
    }

    /** Original and pruned median latency, the paired latency fraction (pruned / original) and the pairs timed. */
    public record Timing(double originalMs, double prunedMs, double fraction, int pairs) {
        public boolean slower() { return fraction > 1 + TOLERANCE; }

        public String describe() {
            return String.format(Locale.ROOT, "%.2f ms vs original %.2f ms = %.3fx the latency (%.2fx faster), %d interleaved pairs",
                    prunedMs, originalMs, fraction, 1 / fraction, pairs);
        }
    }

    /** One timed candidate and the round-to it was planned with. */
    public record Attempt(int roundTo, Timing timing) {
        public String describe() { return "round-to " + PruningSettings.describeRoundTo(roundTo) + ": " + timing.describe(); }
    }

    /** The chosen result (null when every candidate was slower) and every attempt, first the original plan's. */
    public record Outcome(PruneResult chosen, Attempt chosenAttempt, List<Attempt> attempts) {
        public boolean found() { return chosen != null; }
    }

    /** The roundings tried after {@code roundTo}, in order. */
    public static List<Integer> fallbacks(int roundTo) {
        List<Integer> out = new ArrayList<>();
        if (roundTo == PruningSettings.ROUND_TO_AUTO) return List.of(8, 16);
        if (roundTo < 8) out.add(8);
        if (roundTo < 16) out.add(16);
        out.add(PruningSettings.ROUND_TO_AUTO);
        return out;
    }

    /**
     * Times {@code first}; when slower, asks {@code replan} for the same request with each fallback rounding (null: cannot
     * re-plan, e.g. a saved plan) and times each verified one until one is not slower.
     */
    public static Outcome check(PruneResult first, int roundTo, IntFunction<PruneResult> replan, Meter meter, Progress progress) {
        List<Attempt> attempts = new ArrayList<>();
        progress.update("timing the pruned model against the original", 0, 1);
        Attempt a = new Attempt(roundTo, meter.time(first.outcome().model(), progress));
        attempts.add(a);
        if (!a.timing().slower()) return new Outcome(first, a, attempts);
        for (int rt : fallbacks(roundTo)) {
            progress.checkCancelled();
            PruneResult r = replan.apply(rt);
            if (r == null || !r.verified()) continue;
            progress.update("timing the pruned model (round-to " + PruningSettings.describeRoundTo(rt) + ") against the original", 0, 1);
            Attempt b = new Attempt(rt, meter.time(r.outcome().model(), progress));
            attempts.add(b);
            if (!b.timing().slower()) return new Outcome(r, b, attempts);
        }
        return new Outcome(null, null, attempts);
    }

    /**
     * Times in ONNX Runtime: the original once opened; each candidate in interleaved pairs after one warm-up pair, as
     * many pairs as fit in about {@link #BUDGET_MS} (at least {@link #MIN_PAIRS}, at most {@link #MAX_PAIRS}); the fraction is
     * the median of the per-pair ratios.
     */
    public static final class OrtMeter implements Meter {
        public static final double BUDGET_MS = 1000;
        public static final int MIN_PAIRS = 5;
        public static final int MAX_PAIRS = 40;

        private final PruningSession session;
        private final SessionConfig config;
        private final EvalSession original;
        private final Map<String, HostTensor> inputs;
        private double originalMs = -1;

        public OrtMeter(PruningSession s, Map<String, long[]> shapes, int threads, long seed) {
            this.session = s;
            this.config = SessionConfig.DEFAULT.withThreads(threads);
            this.original = EvalSession.open(ModelSource.of(s.path()), config);
            this.inputs = RandomInputs.forSession(original, ShapePolicy.of(shapes, 1), null, seed);
        }

        @Override
        public Timing time(ModelProto candidate, Progress progress) {
            if (originalMs < 0) {
                try (EvalSession.PreparedInputs p = original.prepare(inputs)) {
                    original.runNanos(p);
                    originalMs = original.runNanos(p) / 1e6;
                }
            }
            int pairs = (int) Math.max(MIN_PAIRS, Math.min(MAX_PAIRS, Math.ceil(BUDGET_MS / Math.max(2 * originalMs, 1e-3))));
            try (EvalSession c = EvalSession.open(ModelSource.of(candidate, session.model().baseDir(), "pruned"), config)) {
                BenchResult b = InterleavedBench.run(original, inputs, c, inputs, new LatencyOptions(1, pairs), LatencyListener.NONE, progress);
                return new Timing(b.baseline().medianMs(), b.candidate().medianMs(), 1 / b.pairedSpeedup(), pairs);
            }
        }

        @Override
        public void close() { original.close(); }
    }
}
