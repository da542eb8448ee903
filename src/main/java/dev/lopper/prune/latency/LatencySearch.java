package dev.lopper.prune.latency;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;

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
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.prune.Planner;
import dev.lopper.prune.PruningSession;
import dev.lopper.task.Progress;

/**
 * {@code --target-latency F}: finds a plan whose model runs in at most F × the original's latency, measured on this
 * machine in ONNX Runtime (batch 1, seeded inputs, the given intra-op threads), by searching the MACs target given
 * to the planner (any allocation: uniform, global, sensitivity). Each trial rewrites the model in memory and times it
 * against the original in interleaved runs (A B A B ..., so load changes hit both); its latency fraction is
 * 1 / paired speedup. The first MACs target is F; after a miss it is scaled by F / measured fraction. A trial
 * slower than the original is never chosen.
 */
public final class LatencySearch {
    private LatencySearch() {}

    /** Plans for a MACs fraction to keep, with kept channel counts rounded up to a multiple of {@code roundTo}. */
    @FunctionalInterface
    public interface PlanFunction {
        Planner.Result plan(double macs, int roundTo);
    }

    /** One measured plan. */
    public record Trial(int roundTo, double macsTarget, double macsFraction, double originalMs, double prunedMs, double fraction) {
        public boolean meets(double f) { return fraction <= f; }
    }

    /** The chosen plan (null when none met the target and none was faster than the original), and every trial. */
    public record Result(Planner.Result chosen, Trial chosenTrial, List<Trial> trials, boolean met) { }

    /**
     * Searches with {@code roundTo}; when no trial meets the target, again with round-to 8 and then 16 (those larger
     * than {@code roundTo}): aligned counts are what keeps ONNX Runtime's kernels fast. Never returns a plan whose
     * model measured slower than the original.
     */
    public static Result searchWithFallback(PruningSession s, PlanFunction planner, int roundTo, double target, Map<String, long[]> shapes,
                                            Options options, Progress progress) throws ModelLoadException {
        List<Trial> all = new ArrayList<>();
        Result fastest = null;
        List<Integer> order = new ArrayList<>(List.of(roundTo));
        for (int rt : new int[] {8, 16}) if (rt > roundTo) order.add(rt);
        for (int rt : order) {
            Result r = search(s, m -> planner.plan(m, rt), rt, target, shapes, options, progress);
            all.addAll(r.trials());
            if (r.met()) return new Result(r.chosen(), r.chosenTrial(), all, true);
            if (r.chosen() != null && (fastest == null || r.chosenTrial().fraction() < fastest.chosenTrial().fraction())) fastest = r;
        }
        return fastest == null ? new Result(null, null, all, false) : new Result(fastest.chosen(), fastest.chosenTrial(), all, false);
    }

    /** How hard to search. */
    public record Options(int threads, int maxTrials, LatencyOptions timing) {
        public static Options defaults(int threads) { return new Options(threads, 6, new LatencyOptions(3, 30)); }
    }

    /**
     * @param planner MACs fraction to keep → plan (the caller's allocation and settings)
     */
    public static Result search(PruningSession s, DoubleFunction<Planner.Result> planner, int roundTo, double target, Map<String, long[]> shapes,
                                Options options, Progress progress) throws ModelLoadException {
        if (!(target > 0 && target < 1)) throw new IllegalArgumentException("--target-latency must be in (0, 1), got " + target);
        SessionConfig config = SessionConfig.DEFAULT.withThreads(options.threads());
        List<Trial> trials = new ArrayList<>();
        Planner.Result best = null;
        Trial bestTrial = null;
        Planner.Result fastest = null;
        Trial fastestTrial = null;
        try (EvalSession original = EvalSession.open(ModelSource.of(s.path()), config)) {
            Map<String, HostTensor> in = RandomInputs.forSession(original, ShapePolicy.of(shapes, 1), null, 1);
            double m = target;
            for (int t = 0; t < options.maxTrials(); t++) {
                progress.checkCancelled();
                progress.update(String.format(java.util.Locale.ROOT, "latency trial %d: planning for %.1f%% of MACs", t + 1, 100 * m), t, options.maxTrials());
                Planner.Result r = planner.apply(m);
                double macs = r.after().macsFraction(s.before());
                BenchResult b;
                try (EvalSession cand = EvalSession.open(ModelSource.of(s.rewrite(r.plan().groups()), s.model().baseDir(), "pruned"), config)) {
                    b = InterleavedBench.run(original, in, cand, in, options.timing(), LatencyListener.NONE, progress);
                }
                double fraction = 1 / b.pairedSpeedup();
                Trial trial = new Trial(roundTo, m, macs, b.baseline().medianMs(), b.candidate().medianMs(), fraction);
                trials.add(trial);
                if (fastestTrial == null || fraction < fastestTrial.fraction()) {
                    fastest = r;
                    fastestTrial = trial;
                }
                if (trial.meets(target)) {
                    best = r;
                    bestTrial = trial;
                    break;
                }
                // scale what the plan actually kept (rounding may keep more than asked), and always ask for less
                double next = Math.min(m, macs) * target / fraction;
                if (next >= Math.min(m, macs)) next = Math.min(m, macs) * 0.9;
                if (next < 0.02) break;
                m = next;
            }
        }
        if (best != null) return new Result(best, bestTrial, trials, true);
        if (fastestTrial != null && fastestTrial.fraction() < 1) return new Result(fastest, fastestTrial, trials, false);
        return new Result(null, null, trials, false);
    }
}
