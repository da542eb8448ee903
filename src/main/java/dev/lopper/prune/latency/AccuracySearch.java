package dev.lopper.prune.latency;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.prune.PlanResult;
import dev.lopper.prune.PruneRequest;
import dev.lopper.prune.PruneResult;
import dev.lopper.prune.PruneTarget;
import dev.lopper.prune.PruningSession;
import dev.lopper.runtime.AccuracyAccumulator;
import dev.lopper.runtime.BatchFeed;
import dev.lopper.runtime.DataOptions;
import dev.lopper.runtime.Dataset;
import dev.lopper.runtime.Datasets;
import dev.lopper.runtime.EvalException;
import dev.lopper.runtime.EvalSession;
import dev.lopper.runtime.FidelityAccumulator;
import dev.lopper.runtime.HostTensor;
import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.SessionConfig;
import dev.lopper.runtime.ShapePolicy;
import dev.lopper.task.Progress;

/**
 * {@code --target-accuracy A --data D}: the smallest MACs (or params) fraction whose plan still reaches top-1 accuracy
 * ≥ A on the labelled data D. Bisection over the fraction kept in (0, 1): each step plans for the middle of the
 * bracket (by the request's allocation, or by sensitivity: {@link TargetDecision}), prunes it (with verification),
 * and measures the pruned model's top-1 accuracy on the first N rows of D in ONNX Runtime (the same accuracy as
 * {@code lopper eval --data}: first argmax of the first [N, classes] output). A step that reaches A lowers the upper
 * end of the bracket, one that misses raises the lower end. One entry point for `lopper prune` and the app.
 * <p>
 * Calibration rows and evaluation rows are kept disjoint by refusing D when it is the calibration file.
 */
public final class AccuracySearch {
    private AccuracySearch() {}

    /** Bisection steps by default: the bracket ends 1/2^7 ≈ 0.8 % of the MACs wide. */
    public static final int DEFAULT_STEPS = 7;
    /** Samples per ONNX Runtime run while measuring accuracy (a fixed batch dim overrides it). */
    static final int BATCH = 32;

    /**
     * @param minAccuracy top-1 accuracy to reach, in (0, 1]
     * @param data        labelled data (.csv, .npy/.npz with labels, image folder), as {@code lopper eval --data}
     * @param samples     use at most the first N rows of {@code data} ({@code Long.MAX_VALUE}: all)
     * @param steps       bisection steps (plans pruned and measured)
     */
    public record Options(double minAccuracy, Path data, long samples, int steps) {
        public Options {
            if (!(minAccuracy > 0)) throw new IllegalArgumentException("the accuracy target must be > 0, got " + minAccuracy);
            if (samples < 1) throw new IllegalArgumentException("--accuracy-samples must be >= 1, got " + samples);
            if (steps < 1) throw new IllegalArgumentException("the search needs at least 1 step, got " + steps);
        }
    }

    /** One pruned and measured plan: the fraction asked for, what the plan keeps, and its accuracy on the rows. */
    public record Trial(double target, double macsFraction, double paramsFraction, double accuracy, boolean verified, boolean meets) {
        public String describe() {
            return String.format(Locale.ROOT, "target %5.1f%% -> MACs %5.1f%%, params %5.1f%%: accuracy %s%s", 100 * target,
                    100 * macsFraction, 100 * paramsFraction, verified ? String.format(Locale.ROOT, "%.2f%%", 100 * accuracy)
                            : "- (failed verification)", meets ? "  meets" : "  misses");
        }
    }

    /**
     * What the search found.
     *
     * @param chosen           the pruned plan with the smallest fraction that reaches the target (null when none did)
     * @param decision         how its plan was decided (the plan, the sensitivity allocation if any; null when none)
     * @param chosenTrial      its trial (null when none)
     * @param trials           every trial, in the order measured
     * @param originalAccuracy the original model's accuracy on the same rows
     * @param rows             which rows were used (e.g. "the first 500 rows of digits_test.csv, in batches of 32")
     * @param message          one line: why nothing was chosen (null when a plan was)
     */
    public record Result(PruneResult chosen, TargetDecision.Decision decision, Trial chosenTrial, List<Trial> trials, double originalAccuracy,
                         long samples, String rows, String message) {
        public boolean met() { return chosen != null; }

        /** The plan the chosen model was pruned from (null when none). */
        public PlanResult planned() { return decision == null ? null : decision.planned(); }
    }

    /**
     * Searches. The request's target kind (MACs or params; a ratio is searched as MACs) says which fraction is bisected;
     * its value is ignored.
     *
     * @throws EvalException when D cannot be read, has no labels, or is the calibration file
     */
    public static Result search(PruningSession s, PruneRequest request, TargetDecision.Options decide, Options options,
                                Map<String, long[]> shapes, Progress progress) throws ModelLoadException {
        checkDisjoint(request.calibration(), options.data());
        PruneTarget.Kind kind = request.settings().target().kind() == PruneTarget.Kind.PARAMS ? PruneTarget.Kind.PARAMS : PruneTarget.Kind.MACS;
        double a = options.minAccuracy();
        progress.update("measuring the original's accuracy on " + options.data().getFileName(), 0, options.steps() + 1);
        Measured orig = accuracy(ModelSource.of(s.path()), options, shapes, progress);
        String rows = describeRows(options, orig);
        List<Trial> trials = new ArrayList<>();
        if (orig.accuracy < a) {
            return new Result(null, null, null, trials, orig.accuracy, orig.feed.samples(), rows, String.format(Locale.ROOT,
                    "the original %s reaches only %.2f%% top-1 on %s, below the target %.2f%%: no pruned model can meet it",
                    s.path().getFileName(), 100 * orig.accuracy, rows, 100 * a));
        }
        double lo = 0, hi = 1;
        PruneResult best = null;
        TargetDecision.Decision bestPlan = null;
        Trial bestTrial = null;
        TargetDecision.Options noLatency = new TargetDecision.Options(decide.bySensitivity(), null, decide.threads(),
                decide.sensitivity(), decide.sensitivityData(), decide.cache());
        for (int step = 0; step < options.steps(); step++) {
            progress.checkCancelled();
            double mid = (lo + hi) / 2;
            progress.update(String.format(Locale.ROOT, "accuracy trial %d of %d: %s %.1f%%", step + 1, options.steps(),
                    kind == PruneTarget.Kind.PARAMS ? "params" : "MACs", 100 * mid), step + 1, options.steps() + 1);
            PruneRequest r = request.withSettings(request.settings().withTarget(new PruneTarget(kind, mid)));
            TargetDecision.Decision decided = TargetDecision.decide(s, r, noLatency, shapes, progress);
            PruneResult pruned = s.prune(decided.planned(), progress);
            double macs = pruned.after().macsFraction(s.before());
            double params = pruned.after().paramsFraction(s.before());
            double kept = kind == PruneTarget.Kind.PARAMS ? params : macs;
            boolean prunes = kept < 1 - 1e-9;
            double acc = Double.NaN;
            if (pruned.verified()) {
                ModelProto m = pruned.outcome().model();
                acc = accuracy(ModelSource.of(m, s.model().baseDir(), "pruned"), options, shapes, progress).accuracy;
            }
            boolean meets = pruned.verified() && prunes && acc >= a;
            Trial t = new Trial(mid, macs, params, acc, pruned.verified(), meets);
            trials.add(t);
            if (meets) {
                if (bestTrial == null || kept <= (kind == PruneTarget.Kind.PARAMS ? bestTrial.paramsFraction() : bestTrial.macsFraction())) {
                    best = pruned;
                    bestPlan = decided;
                    bestTrial = t;
                }
                hi = mid;
            } else {
                lo = mid;
            }
        }
        if (best == null) {
            Trial lightest = trials.get(trials.size() - 1);
            return new Result(null, null, null, trials, orig.accuracy, orig.feed.samples(), rows, String.format(Locale.ROOT,
                    "even the lightest prune tried (%s %.1f%%) reaches only %s on %s, below the target %.2f%% (original %.2f%%): nothing chosen",
                    kind == PruneTarget.Kind.PARAMS ? "params" : "MACs", 100 * lightest.target(),
                    lightest.verified() ? String.format(Locale.ROOT, "%.2f%%", 100 * lightest.accuracy()) : "no verified model",
                    rows, 100 * a, 100 * orig.accuracy));
        }
        return new Result(best, bestPlan, bestTrial, trials, orig.accuracy, orig.feed.samples(), rows, null);
    }

    /**
     * Refuses evaluation data that is the calibration file: the plan would be judged on the rows it was fitted to.
     *
     * @throws EvalException with one line when they are the same file
     */
    public static void checkDisjoint(Path calibration, Path data) {
        if (calibration == null || data == null) return;
        boolean same;
        try {
            same = Files.exists(calibration) && Files.exists(data) ? Files.isSameFile(calibration, data)
                    : calibration.toAbsolutePath().normalize().equals(data.toAbsolutePath().normalize());
        } catch (IOException e) {
            same = calibration.toAbsolutePath().normalize().equals(data.toAbsolutePath().normalize());
        }
        if (same) {
            throw new EvalException(data + ": the accuracy data is also the calibration data; the plan would be judged on the rows it"
                    + " was fitted to. Give the accuracy target a separate labelled file (e.g. split the CSV)");
        }
    }

    private static String describeRows(Options o, Measured m) {
        return String.format(Locale.ROOT, "%s of %s (%s)", o.samples() == Long.MAX_VALUE ? "all rows" : "the first "
                + m.feed.samples() + " rows", o.data().getFileName(), m.feed.summary().describe());
    }

    private record Measured(double accuracy, BatchFeed feed) { }

    /** Top-1 accuracy of a model on the first {@code options.samples()} labelled rows of the data (padding excluded). */
    private static Measured accuracy(ModelSource model, Options options, Map<String, long[]> shapes, Progress progress) {
        try (EvalSession session = EvalSession.open(model, SessionConfig.DEFAULT.withThreads(1))) {
            int batch = BatchFeed.fixedBatch(session.inputs(), session.label());
            try (Dataset ds = Datasets.open(options.data(), DataOptions.DEFAULT, session.inputs(),
                    ShapePolicy.of(shapes, batch > 0 ? batch : BATCH))) {
                if (!ds.hasLabels()) {
                    throw new EvalException(options.data() + ": has no labels; an accuracy target needs labelled data (a label column)");
                }
                BatchFeed feed = BatchFeed.of(ds, session.inputs(), session.label(), BATCH, options.samples());
                AccuracyAccumulator acc = new AccuracyAccumulator();
                String scored = null;
                BatchFeed.Item item;
                while ((item = feed.next()) != null) {
                    progress.checkCancelled();
                    Map<String, HostTensor> out = session.run(item.feed());
                    if (scored == null) scored = classifierOutput(out, options.data(), session.label());
                    HostTensor t = item.real(out.get(scored));
                    if (t == null) {
                        feed.drop(item);
                        continue;
                    }
                    acc.add(scored, t, item.batch().labels(), item.batch().origins()::get);
                }
                if (feed.samples() == 0) throw new EvalException(options.data() + ": holds no samples");
                return new Measured(acc.result().top1(), feed);
            }
        }
    }

    private static String classifierOutput(Map<String, HostTensor> out, Path data, String model) {
        for (Map.Entry<String, HostTensor> e : out.entrySet()) {
            if (FidelityAccumulator.isClassifierOutput(e.getValue())) return e.getKey();
        }
        throw new EvalException(data + " has labels, but no output of " + model + " has shape [N, classes]; an accuracy target needs a classifier");
    }
}
