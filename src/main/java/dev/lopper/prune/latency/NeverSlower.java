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
import dev.lopper.prune.PlanResult;
import dev.lopper.prune.PruneRequest;
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

    /** Plans a request (the caller's planner: uniform, sensitivity allocation, …); may throw. */
    @FunctionalInterface
    public interface Planner {
        PlanResult plan(PruneRequest request) throws Exception;
    }

    /**
     * What {@link #guard} did: the result to write ({@code chosen}, null when refused), the timing outcome (null when
     * not timed) or why it was not timed ({@code skipped}).
     */
    public record Guarded(PruneResult chosen, Outcome outcome, String skipped, boolean replanAllowed) {
        /** Every candidate timed was slower: nothing may be written (unless the user allows slower). */
        public boolean refused() { return chosen == null; }

        /** True when the result written was re-planned with another rounding than the first. */
        public boolean replanned() {
            return outcome != null && outcome.found() && outcome.chosenAttempt() != outcome.attempts().get(0);
        }

        /** The round-to of the result chosen (the first's when not timed or refused). */
        public int chosenRoundTo() {
            return outcome != null && outcome.found() ? outcome.chosenAttempt().roundTo() : -1;
        }

        /** One line: "not timed …", "not slower: …", "round-to 8: the round-to 1 plan was 1.30× slower; …". */
        public String describe() {
            if (skipped != null) return skipped;
            if (!outcome.found()) {
                StringBuilder b = new StringBuilder("every plan tried is slower than the original");
                for (Attempt a : outcome.attempts()) b.append("; ").append(a.describe());
                return b.toString();
            }
            Attempt first = outcome.attempts().get(0);
            if (!replanned()) return "not slower: " + first.timing().describe();
            return String.format(Locale.ROOT, "re-planned with round-to %s: the round-to %s plan was %.2f\u00d7 slower; %s",
                    PruningSettings.describeRoundTo(outcome.chosenAttempt().roundTo()), PruningSettings.describeRoundTo(first.roundTo()),
                    first.timing().fraction(), outcome.chosenAttempt().timing().describe());
        }

        /**
         * The refusal (the CLI's text): "the pruned model runs slower than the original MODEL with N threads; round-to …;
         * nothing written (OVERRIDE)".
         */
        public String refusal(Object model, int threads, String override) {
            StringBuilder b = new StringBuilder();
            for (Attempt a : outcome.attempts()) b.append("; ").append(a.describe());
            return String.format(Locale.ROOT, "the pruned model runs slower than the original %s with %d thread%s%s%s;"
                    + " nothing written (%s)", model, threads, threads == 1 ? "" : "s", b,
                    replanAllowed ? "" : " (a saved or accuracy-target plan is applied as it is: another rounding could change what it was chosen for)", override);
        }
    }

    /** Why the check is skipped for a model of {@code macs} MACs (below {@code minMacs}), or null when it is timed. */
    public static String skipReason(long macs, long minMacs) {
        return macs < minMacs ? String.format(Locale.ROOT, "not timed: %,d MACs, below %,d, where timing noise exceeds what pruning changes",
                macs, minMacs) : null;
    }

    /**
     * The never-slower rule as `lopper prune -o` and the app's Export apply it: unless {@code allowSlower} (skipped:
     * {@code skippedAllowed}) or the original is below {@link #MIN_MACS}, times {@code first} against the original in ONNX
     * Runtime ({@link OrtMeter} with {@code threads} and {@code seed}); when slower and {@code replan}, plans the same
     * request with each {@link #fallbacks(int) fallback} rounding through {@code planner}, prunes and verifies it in
     * {@code s}, and takes the first that is not slower.
     */
    public static Guarded guard(PruningSession s, PruneResult first, PruneRequest request, boolean allowSlower, String skippedAllowed,
                                boolean replan, Planner planner, int threads, long seed, Map<String, long[]> shapes, Progress progress) {
        return guard(s, first, request, allowSlower, skippedAllowed, replan, planner, MIN_MACS,
                () -> new OrtMeter(s, shapes, threads, seed), progress);
    }

    /** {@link #guard} with the threshold and the meter given (tests inject a meter; the app and the CLI use the above). */
    public static Guarded guard(PruningSession s, PruneResult first, PruneRequest request, boolean allowSlower, String skippedAllowed,
                                boolean replan, Planner planner, long minMacs, java.util.function.Supplier<? extends Meter> meters,
                                Progress progress) {
        if (allowSlower) return new Guarded(first, null, skippedAllowed, replan);
        String skip = skipReason(s.before().macs(), minMacs);
        if (skip != null) return new Guarded(first, null, skip, replan);
        try (Meter meter = meters.get()) {
            return guard(s, first, request, replan, planner, meter, progress);
        }
    }

    /** {@link #guard} with a given meter (always timed). */
    public static Guarded guard(PruningSession s, PruneResult first, PruneRequest request, boolean replan, Planner planner, Meter meter,
                                Progress progress) {
        Outcome o = check(first, request.settings().roundTo(), rt -> {
            if (!replan) return null;
            PruneRequest r = request.withSettings(request.settings().withRoundTo(rt));
            try {
                PlanResult p = planner.plan(r);
                return p == null ? null : s.prune(p, progress);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, meter, progress);
        return new Guarded(o.chosen(), o, null, replan);
    }

    /**
     * Times in ONNX Runtime: the original once opened; each candidate in interleaved pairs after one warm-up pair, as
     * many pairs as fit in about {@link #BUDGET_MS} (at least {@link #MIN_PAIRS}, at most {@link #MAX_PAIRS}); the fraction is
     * the median of the per-pair ratios.
     */
    /** See {@link OrtMeter#early}: closing it closes the meter when it was never taken, whenever it is ready. */
    public static final class EarlyMeter implements AutoCloseable {
        private final java.util.concurrent.CompletableFuture<OrtMeter> future = new java.util.concurrent.CompletableFuture<>();
        private boolean taken;

        private EarlyMeter(PruningSession s, Map<String, long[]> shapes, int threads, long seed) {
            Thread t = new Thread(() -> {
                try {
                    future.complete(new OrtMeter(s, shapes, threads, seed));
                } catch (Throwable e) {
                    future.completeExceptionally(e);
                }
            }, "lopper-speed-meter");
            t.setDaemon(true);
            t.start();
        }

        /** Waits for the meter; the caller closes it. */
        public synchronized Meter take() {
            taken = true;
            try {
                return future.join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error err) throw err;
                throw e;
            }
        }

        @Override
        public synchronized void close() {
            if (!taken) future.thenAccept(OrtMeter::close);
        }
    }

    public static final class OrtMeter implements Meter {
        public static final double BUDGET_MS = 1000;
        public static final int MIN_PAIRS = 5;
        public static final int MAX_PAIRS = 40;
        /** Pairs timed first; when their median already shows the pruned model at most {@link #CLEARLY_FASTER} × the
         *  original's latency, the full budget is skipped (a cold {@code lopper prune} of a big model stays fast). */
        public static final int QUICK_PAIRS = 3;
        public static final double CLEARLY_FASTER = 0.8;

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

        /**
         * An OrtMeter made on a daemon thread from now on (the original's session opened, its inputs made), so that
         * a command pays for it while it analyzes, scores and plans; {@link EarlyMeter#take} waits for it.
         */
        public static EarlyMeter early(PruningSession s, Map<String, long[]> shapes, int threads, long seed) {
            return new EarlyMeter(s, shapes, threads, seed);
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
                // a clear case needs no full budget: when the median of a few pairs is already decisively faster
                // (pruned ≤ CLEARLY_FASTER × original), the answer "not slower" cannot change; otherwise time in full
                BenchResult quick = InterleavedBench.run(original, inputs, c, inputs, new LatencyOptions(1, QUICK_PAIRS),
                        LatencyListener.NONE, progress);
                if (1 / quick.pairedSpeedup() <= CLEARLY_FASTER) {
                    return new Timing(quick.baseline().medianMs(), quick.candidate().medianMs(), 1 / quick.pairedSpeedup(), QUICK_PAIRS);
                }
                BenchResult b = InterleavedBench.run(original, inputs, c, inputs, new LatencyOptions(0, pairs), LatencyListener.NONE, progress);
                return new Timing(b.baseline().medianMs(), b.candidate().medianMs(), 1 / b.pairedSpeedup(), pairs);
            }
        }

        @Override
        public void close() { original.close(); }
    }
}
