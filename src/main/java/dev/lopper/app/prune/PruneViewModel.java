package dev.lopper.app.prune;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.Property;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.Member;
import dev.lopper.app.LoadedModel;
import dev.lopper.app.ModelServices;
import dev.lopper.app.ModelServices.PlanOutcome;
import dev.lopper.app.UndoStack;
import dev.lopper.app.graph.GraphScene;
import dev.lopper.app.graph.GraphViewModel;
import dev.lopper.app.groups.GroupRow;
import dev.lopper.app.groups.GroupsViewModel;
import dev.lopper.app.task.TaskRunner;
import dev.lopper.graph.Node;
import dev.lopper.importance.ActivationStats;
import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.Criterion;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.importance.Reduction;
import dev.lopper.prune.Allocation;
import dev.lopper.prune.GroupPlan;
import dev.lopper.prune.PlanFiles;
import dev.lopper.prune.PruneTarget;
import dev.lopper.prune.PruningPlan;
import dev.lopper.prune.PruningSettings;

/**
 * Pruning settings (criterion, allocation, target, round-to; the ratio and per-group overrides live in
 * {@link GroupsViewModel}), the current plan re-made in the background shortly after any setting changes,
 * its effect (kept channels per group, "64 → 40" on the graph, params and MACs before/after) and latency
 * measurements streamed run by run. Every setting change is undoable.
 */
public final class PruneViewModel {
    /**
     * Criteria that need no calibration data (the others need activation statistics); OBSPA scores with data-free
     * moments propagated through the graph, as the CLI does without --calibration.
     */
    public static final List<Criterion> DATA_FREE_CRITERIA = List.of(Criterion.L1, Criterion.L2, Criterion.BN_SCALE,
            Criterion.FPGM, Criterion.LAMP, Criterion.RANDOM, Criterion.OBSPA);
    static final long DEBOUNCE_MILLIS = 250;

    private final ModelServices services;
    private final TaskRunner tasks;
    private final GroupsViewModel groups;
    private final GraphViewModel graph;
    private final UndoStack undo;
    private final ObjectProperty<Criterion> criterion = new SimpleObjectProperty<>(Criterion.L1);
    private final ObjectProperty<Allocation> allocation = new SimpleObjectProperty<>(Allocation.UNIFORM);
    private final ObjectProperty<PruneTarget.Kind> targetKind = new SimpleObjectProperty<>(PruneTarget.Kind.RATIO);
    private final IntegerProperty roundTo = new SimpleIntegerProperty(PruningSettings.DEFAULT_ROUND_TO);
    private final javafx.beans.property.BooleanProperty compensate = new javafx.beans.property.SimpleBooleanProperty(false);
    private final ReadOnlyObjectWrapper<PlanOutcome> outcome = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyStringWrapper planStatus = new ReadOnlyStringWrapper("");
    private final ObservableList<Double> originalLatency = FXCollections.observableArrayList();
    private final ObservableList<Double> prunedLatency = FXCollections.observableArrayList();
    private final ReadOnlyStringWrapper latencyStatus = new ReadOnlyStringWrapper("");
    private final TaskRunner.Delay debounce;
    private final ReadOnlyStringWrapper notice = new ReadOnlyStringWrapper("");
    private final ReadOnlyObjectWrapper<ModelServices.PruneOutcome> pruned = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyStringWrapper pruneStatus = new ReadOnlyStringWrapper("");
    private final ReadOnlyObjectWrapper<ModelServices.Accuracy> accuracy = new ReadOnlyObjectWrapper<>();
    private final javafx.beans.property.BooleanProperty livePrune = new javafx.beans.property.SimpleBooleanProperty(true);
    private final IntegerProperty evaluateRuns = new SimpleIntegerProperty(40);
    private final ObjectProperty<dev.lopper.app.RunInputs> inputs = new SimpleObjectProperty<>(dev.lopper.app.RunInputs.AUTO);
    private final ObjectProperty<Path> calibration = new SimpleObjectProperty<>();
    private final ObjectProperty<Map<String, Double>> profileMillis = new SimpleObjectProperty<>(Map.of());
    private TaskRunner.Handle pruning;
    private int pruneRuns;
    private TaskRunner.Handle planning;
    private TaskRunner.Handle timing;
    private int planRuns;
    private int timingRuns;

    public PruneViewModel(ModelServices services, TaskRunner tasks, GroupsViewModel groups, GraphViewModel graph,
                          UndoStack undo) {
        this.services = services;
        this.tasks = tasks;
        this.groups = groups;
        this.graph = graph;
        this.undo = undo;
        this.debounce = tasks.delay(DEBOUNCE_MILLIS, this::planNow);
        inputs.addListener((o, a, b) -> {
            clearResults();
            // calibration data is read with the input shapes: the plan is made again
            if (calibration.get() != null) schedule();
            else if (outcome.get() != null && livePrune.get()) pruneNow();
        });
        calibration.addListener((o, a, b) -> {
            checkCalibration(b);
            schedule();
        });
        graph.sceneProperty().addListener((o, a, b) -> {
            PlanOutcome r = outcome.get();
            if (r != null && b != null) graph.channelLabelsProperty().set(channelLabels(r.plan()));
        });
        criterion.addListener((o, a, b) -> schedule());
        allocation.addListener((o, a, b) -> schedule());
        targetKind.addListener((o, a, b) -> schedule());
        roundTo.addListener((o, a, b) -> schedule());
        compensate.addListener((o, a, b) -> schedule());
        groups.globalRatioProperty().addListener((o, a, b) -> schedule());
        groups.rows().addListener((ListChangeListener<GroupRow>) c -> {
            while (c.next()) {
                for (GroupRow r : c.getAddedSubList()) r.overrideProperty().addListener((o, a, b) -> schedule());
            }
        });
        groups.groupsProperty().addListener((o, a, b) -> {
            outcome.set(null);
            pruned.set(null);
            accuracy.set(null);
            pruneStatus.set("");
            notice.set("");
            profileMillis.set(Map.of());
            clearResults();
            if (pruning != null && !pruning.isDone()) pruning.cancel();
            pruneRuns++;
            planRuns++;
            graph.channelLabelsProperty().set(Map.of());
            if (!b.isEmpty()) schedule();
        });
    }

    /** Re-plans after a short quiet period (settings often change in bursts, e.g. a slider drag). */
    public void schedule() {
        if (groups.rows().isEmpty() || adopting) return;
        planStatus.set("Planning…");
        clearResults();
        debounce.restart();
    }

    /** Plans now in the background, cancelling a plan still running. */
    public void planNow() {
        debounce.stop();
        adopted = null;
        LoadedModel m = groups.model();
        List<CoupledGroup> gs = groups.groupsProperty().get();
        if (m == null || gs.isEmpty()) return;
        if (planning != null && !planning.isDone()) planning.cancel();
        ScoringOptions scoring;
        PruningSettings settings;
        try {
            scoring = scoringOptions();
            settings = pruningSettings();
        } catch (IllegalArgumentException e) {
            planStatus.set(e.getMessage());
            return;
        }
        int run = ++planRuns;
        Path data = calibration.get();
        boolean comp = compensate.get();
        dev.lopper.app.RunInputs in = inputs.get();
        planning = tasks.run("Planning", p -> services.plan(m, gs, scoring, settings, data, comp, in, p), r -> {
            if (run != planRuns || groups.model() != m) return;
            show(r);
        }, ex -> {
            if (run != planRuns) return;
            planStatus.set("Cannot plan: " + dev.lopper.app.MainViewModel.oneLine(ex));
        }, () -> {
            if (run == planRuns) planStatus.set("Planning cancelled: the settings changed and no plan was made");
        });
    }

    public ScoringOptions scoringOptions() {
        return new ScoringOptions(criterion.get(), Reduction.MEAN, null, 0, ActivationStats.NONE, false);
    }

    public PruningSettings pruningSettings() {
        double r = groups.globalRatioProperty().get();
        PruneTarget target = switch (targetKind.get()) {
            case RATIO -> PruneTarget.ratio(r);
            case MACS -> PruneTarget.macs(1 - r);
            case PARAMS -> PruneTarget.params(1 - r);
        };
        return new PruningSettings(allocation.get(), target, roundTo.get(), 1, Set.of(), groups.overrides());
    }

    private void show(PlanOutcome r) {
        outcome.set(r);
        PruningPlan plan = r.plan();
        for (GroupRow row : groups.rows()) {
            GroupPlan gp = plan.groups().get(row.id());
            row.keptProperty().set(gp == null ? row.channels() : gp.keptCount());
            row.keptChannelsProperty().set(gp == null ? null : gp.kept());
            ChannelScores s = r.scores().get(row.id());
            row.importanceProperty().set(s == null ? null : s.values());
        }
        graph.channelLabelsProperty().set(channelLabels(plan));
        long removedGroups = plan.groups().values().stream().filter(g -> g.removedCount() > 0).count();
        planStatus.set(String.format("%d groups pruned · params %s → %s (−%.1f%%) · MACs −%.1f%%", removedGroups,
                human(r.before().params()), human(r.after().params()),
                100 * (1 - r.after().paramsFraction(r.before())), 100 * (1 - r.after().macsFraction(r.before()))));
        groups.refreshOverlay();
        pruned.set(null);
        clearResults();
        if (livePrune.get()) pruneNow();
        else pruneStatus.set("Press Prune to rewrite and verify the model");
    }

    /** Rewrites the model for the current plan and verifies it in ONNX Runtime, in the background. */
    public void pruneNow() {
        PlanOutcome r = outcome.get();
        LoadedModel m = groups.model();
        ModelServices.GroupsResult gr = groups.result();
        if (r == null || m == null || gr == null) return;
        if (pruning != null && !pruning.isDone()) pruning.cancel();
        if (r.plan().removesNothing()) {
            pruneStatus.set("The plan removes nothing (raise the ratio or lower round-to)");
            return;
        }
        int run = ++pruneRuns;
        boolean compensating = compensate.get();
        pruneStatus.set(compensating ? "Compensating (OBS), rewriting and verifying…" : "Rewriting and verifying…");
        pruned.set(null);
        clearResults();
        pruning = tasks.run("Pruning and verifying", p -> services.prune(m, gr, r.plan(), inputs.get(), compensating, p), out -> {
            if (run != pruneRuns || groups.model() != m) return;
            pruned.set(out);
            pruneStatus.set(describe(out));
        }, ex -> {
            if (run == pruneRuns) pruneStatus.set("Pruning failed: " + dev.lopper.app.MainViewModel.oneLine(ex));
        }, () -> {
            if (run == pruneRuns) pruneStatus.set("Cancelled: the plan was not rewritten (press Prune to rewrite and verify it)");
        });
    }

    static String describe(ModelServices.PruneOutcome out) {
        StringBuilder b = new StringBuilder();
        if (out.verified()) {
            b.append("✔ pruned model verified in ONNX Runtime");
            out.maxAbsDiff().forEach((k, v) -> b.append(String.format(" · max |Δ| %s %.3g", k, v)));
        } else {
            b.append("✘ not verified: ").append(out.problem());
        }
        if (out.compensated()) {
            b.append(" · OBS compensation on ").append(out.compensatedLayers())
                    .append(out.compensatedLayers() == 1 ? " layer" : " layers");
        }
        if (!out.failing().isEmpty()) {
            b.append(" · left whole because pruning them broke the model: ").append(String.join(", ", out.failing().keySet()));
        }
        return b.toString();
    }

    /**
     * Measures: original and pruned alternately when a verified pruned model exists (both series stream in),
     * then accuracy on the model's data set if it has one; otherwise the original alone.
     */
    public void evaluate(int runs) {
        ModelServices.PruneOutcome p = pruned.get();
        if (p == null || p.model() == null) {
            measureLatency(runs);
            return;
        }
        LoadedModel m = groups.model();
        if (timing != null && !timing.isDone()) timing.cancel();
        int run = ++timingRuns;
        originalLatency.clear();
        prunedLatency.clear();
        accuracy.set(null);
        latencyStatus.set("Timing original and pruned…");
        byte[] bytes = p.model();
        dev.lopper.app.RunInputs in = inputs.get();
        timing = tasks.run("Timing original vs pruned", pr -> {
            var bench = services.compareLatency(m, bytes, runs, in, point -> {
                if (point.warmup()) return;
                boolean orig = point.model().equals("original");
                tasks.post(() -> { if (run == timingRuns) (orig ? originalLatency : prunedLatency).add(point.millis()); });
            }, pr);
            // the timing stands even when the data set cannot be read with these inputs
            ModelServices.Accuracy acc = null;
            String accProblem = null;
            try {
                acc = services.accuracy(m, bytes, in, pr);
            } catch (dev.lopper.task.CancelledException e) {
                throw e;
            } catch (Exception e) {
                accProblem = dev.lopper.app.MainViewModel.oneLine(e);
            }
            return new Evaluation(bench, acc, accProblem);
        }, res -> {
            if (run != timingRuns) return;
            accuracy.set(res.accuracy());
            PlanOutcome planNow = outcome.get();
            if (planNow != null) evaluated.set(new Evaluated(planNow, state(), res.bench(), res.accuracy(), bytes));
            ModelServices.Accuracy acc = res.accuracy();
            String a = acc != null ? String.format(" · top-1 %.1f%% → %.1f%% on %s (%d)", 100 * acc.original(),
                    100 * acc.pruned(), acc.dataset(), acc.samples())
                    : res.accuracyProblem() != null ? " · no accuracy: " + res.accuracyProblem() : "";
            var bench = res.bench();
            latencyStatus.set(String.format("median %.3f → %.3f ms · speed-up ×%.2f (paired ×%.2f)",
                    bench.baseline().medianMs(), bench.candidate().medianMs(), bench.speedup(), bench.pairedSpeedup()) + a);
        }, ex -> {
            if (run == timingRuns) latencyStatus.set("Cannot time the models: " + dev.lopper.app.MainViewModel.oneLine(ex));
        }, () -> {
            if (run == timingRuns) latencyStatus.set("Timing cancelled");
        });
    }

    /** What one evaluation measured: the A/B timing, and accuracy or why it could not be measured. */
    record Evaluation(dev.lopper.runtime.BenchResult bench, ModelServices.Accuracy accuracy, String accuracyProblem) { }

    /**
     * Results belong to the plan (and the inputs) they were measured with: when either changes, the timing
     * in flight stops, and latency curves, accuracy and their status go away.
     */
    private void clearResults() {
        timingRuns++;
        if (timing != null && !timing.isDone()) timing.cancel();
        originalLatency.clear();
        prunedLatency.clear();
        accuracy.set(null);
        latencyStatus.set("");
    }

    /** Profiles the original model per node; the inspector shows each node's time. */
    public void profile() {
        LoadedModel m = groups.model();
        if (m == null) return;
        latencyStatus.set("Profiling…");
        tasks.run("Profiling " + m.path().getFileName(), p -> services.profile(m, inputs.get(), p), ms -> {
            if (groups.model() != m) return;
            profileMillis.set(Map.copyOf(ms));
            double total = ms.values().stream().mapToDouble(Double::doubleValue).sum();
            latencyStatus.set(String.format("profiled %d nodes · %.3f ms of kernels per run (click a node to see its time)",
                    ms.size(), total));
        }, ex -> latencyStatus.set("Cannot profile: " + dev.lopper.app.MainViewModel.oneLine(ex)),
                () -> latencyStatus.set("Profiling cancelled"));
    }

    /** Node name → ms per run from the last profile. */
    public ObjectProperty<Map<String, Double>> profileMillisProperty() { return profileMillis; }

    /**
     * Writes the verified pruned model (never over the opened file) after the never-slower check of `lopper prune -o`,
     * in the background: when the model is slower than the original, the same request is re-planned with the CLI's
     * fallback roundings and the first that is not slower is written (the confirmation says so, and that the plan
     * shown is not the one written); when none is, nothing is written, unless "allow slower" is ticked.
     */
    public void export(Path target, java.util.function.Consumer<String> done, java.util.function.Consumer<Throwable> failed) {
        ModelServices.PruneOutcome p = pruned.get();
        LoadedModel m = groups.model();
        if (p == null || p.model() == null || m == null) {
            failed.accept(new IllegalStateException("there is no verified pruned model to export"));
            return;
        }
        boolean slowerOk = allowSlower.get();
        dev.lopper.app.RunInputs in = inputs.get();
        tasks.run("Exporting " + target.getFileName(), pr -> services.exportChecked(m, p, in, slowerOk, target, pr), e -> {
            notice.set(exportNote(target, sizeOf(target), p, e));
            done.accept("Exported " + target);
        }, ex -> {
            notice.set("Export refused or failed: " + dev.lopper.app.MainViewModel.oneLine(ex));
            failed.accept(ex);
        }, () -> notice.set("Export cancelled: nothing was written"));
    }

    /** The export confirmation: the file, its size, the speed check, and whether the plan written differs from the one shown. */
    static String exportNote(Path target, String size, ModelServices.PruneOutcome shown, ModelServices.Exported e) {
        StringBuilder b = new StringBuilder("Exported ").append(target).append(" (").append(size).append(", verified in ONNX Runtime)");
        if (e.replanned()) {
            b.append(" with round-to ").append(PruningSettings.describeRoundTo(e.plan().settings().pruning().roundTo()))
                    .append(", not the plan shown (round-to ")
                    .append(PruningSettings.describeRoundTo(shown.applied().settings().pruning().roundTo())).append("): ");
        } else {
            b.append(" · speed ");
        }
        return b.append(e.speed()).toString();
    }

    /** Export even when the pruned model runs slower than the original (as `lopper prune --allow-slower`); off by default. */
    public javafx.beans.property.BooleanProperty allowSlowerProperty() { return allowSlower; }

    private final javafx.beans.property.BooleanProperty allowSlower = new javafx.beans.property.SimpleBooleanProperty(false);

    /**
     * "C → kept" for each box whose output loses channels: positions removed on each (tensor, axis) are the
     * union over every group that maps channels there (a tensor can carry several groups, e.g. grouped convs).
     */
    private Map<Integer, String> channelLabels(PruningPlan plan) {
        GraphScene s = graph.sceneProperty().get();
        Map<Integer, String> labels = new HashMap<>();
        if (s == null || s.isBody()) return labels; // the plan is the model graph's, not an open body's
        Map<String, java.util.BitSet> removed = new HashMap<>();
        Map<String, Integer> extent = new HashMap<>();
        for (CoupledGroup g : groups.groupsProperty().get()) {
            GroupPlan gp = plan.groups().get(g.id());
            if (gp == null || gp.removedCount() == 0) continue;
            int[] gone = gp.removed();
            int[] all = new int[g.channels()];
            for (int i = 0; i < all.length; i++) all[i] = i;
            for (Member m : g.members()) {
                String key = m.tensor() + "#" + m.axis();
                java.util.BitSet bits = removed.computeIfAbsent(key, k -> new java.util.BitSet());
                for (int p : m.map().indicesOf(gone)) bits.set(p);
                int top = 0;
                for (int p : m.map().indicesOf(all)) top = Math.max(top, p + 1);
                extent.merge(key, top, Math::max);
            }
        }
        for (GraphScene.Box box : s.boxes()) {
            Node n = box.node();
            if (n == null) continue;
            for (String o : n.outputs()) {
                String label = null;
                for (Map.Entry<String, java.util.BitSet> e : removed.entrySet()) {
                    if (!e.getKey().startsWith(o + "#")) continue;
                    int axis = Integer.parseInt(e.getKey().substring(o.length() + 1));
                    dev.lopper.graph.Shape shape = s.graph().shape(o);
                    long total = shape.hasRank() && shape.rank() > shape.normalize(axis) && shape.dim(axis) > 0
                            ? shape.dim(axis) : extent.get(e.getKey());
                    label = total + " → " + (total - e.getValue().cardinality());
                    break;
                }
                if (label != null) {
                    labels.put(box.index(), label);
                    break;
                }
            }
        }
        return labels;
    }

    static String human(long n) {
        if (n >= 1_000_000_000) return String.format("%.2fG", n / 1e9);
        if (n >= 1_000_000) return String.format("%.2fM", n / 1e6);
        if (n >= 10_000) return String.format("%.1fk", n / 1e3);
        return Long.toString(n);
    }

    /** Times the original model, streaming each run into {@link #originalLatency()}. */
    public void measureLatency(int runs) {
        LoadedModel m = groups.model();
        if (m == null) return;
        if (timing != null && !timing.isDone()) timing.cancel();
        int run = ++timingRuns;
        originalLatency.clear();
        prunedLatency.clear();
        latencyStatus.set("Timing the original model…");
        timing = tasks.run("Timing " + m.path().getFileName(), p -> services.measureLatency(m, runs, inputs.get(), point -> {
            if (!point.warmup()) tasks.post(() -> { if (run == timingRuns) originalLatency.add(point.millis()); });
        }, p), stats -> {
            if (run == timingRuns) latencyStatus.set(String.format("original: median %.3f ms (p10 %.3f, p90 %.3f) over %d runs",
                    stats.medianMs(), stats.p10Ms(), stats.p90Ms(), stats.runs()));
        }, ex -> {
            if (run == timingRuns) latencyStatus.set("Cannot time the model: " + dev.lopper.app.MainViewModel.oneLine(ex));
        }, () -> {
            if (run == timingRuns) latencyStatus.set("Timing cancelled");
        });
    }

    /** Writes the current plan as the CLI's JSON (atomically). */
    public void savePlan(Path file) throws java.io.IOException {
        PlanOutcome r = outcome.get();
        if (r == null) throw new IllegalStateException("there is no plan yet");
        LoadedModel m = groups.model();
        PlanFiles.save(r.plan(), file, m == null ? null : m.path());
        notice.set("Saved the plan to " + file + " (lopper prune --plan reads it)");
    }

    /**
     * Loads a plan file made for this model: its settings (criterion, allocation, target, round-to, ratio,
     * per-group ratios) become the current settings in one undoable step, and the plan is re-made from them.
     */
    public void loadPlan(Path file, java.util.function.Consumer<Throwable> failed) {
        LoadedModel m = groups.model();
        if (m == null) {
            failed.accept(new IllegalStateException("open a model first"));
            return;
        }
        List<CoupledGroup> gs = groups.groupsProperty().get();
        tasks.run("Reading plan " + file.getFileName(), p -> {
            PruningPlan plan = PlanFiles.read(file);
            String sha = dev.lopper.onnx.ModelSha256.of(m.path(), p);
            PlanFiles.check(plan, file.toString(), m.path(), sha, gs);
            return plan;
        }, plan -> {
            if (groups.model() != m) return;
            PruningSettings ps = plan.settings().pruning();
            Criterion c = plan.settings().criterion().equals("manual") ? criterion.get() : Criterion.parse(plan.settings().criterion());
            double ratio = ps.target().kind() == PruneTarget.Kind.RATIO ? ps.target().value() : 1 - ps.target().value();
            Snapshot before = snapshot();
            Snapshot after = new Snapshot(c, ps.allocation(), ps.target().kind(), ps.roundTo(), ratio, ps.overrides(),
                    c == Criterion.OBSPA || compensate.get());
            undo.apply(new UndoStack.Edit() {
                @Override public void redo() { restore(after); }
                @Override public void undo() { restore(before); }
                @Override public String description() { return "load plan " + file.getFileName(); }
            });
        }, failed::accept);
    }

    /**
     * A plan that was evaluated: the plan, the settings (and decided plan) that restore it, the A/B timing, accuracy
     * when the model has a data set, and the pruned model's bytes.
     */
    public record Evaluated(PlanOutcome plan, PlanState state, dev.lopper.runtime.BenchResult bench,
                            ModelServices.Accuracy accuracy, byte[] model) { }

    /** The settings of a plan and, when it was decided (by the target box) rather than planned, the plan itself. */
    public record PlanState(Snapshot settings, PlanOutcome decided) { }

    /** The current settings and decided plan (to restore them later). */
    public PlanState state() { return new PlanState(snapshot(), adopted); }

    /** Restores a plan's settings (and its decided plan) in one undoable step. */
    public void restore(PlanState target, String what) {
        PlanState before = state();
        undo.apply(new UndoStack.Edit() {
            @Override public void redo() { apply(target); }
            @Override public void undo() { apply(before); }
            @Override public String description() { return what; }
        });
    }

    /**
     * Takes a plan decided outside the planner (the target box: sensitivity allocation, latency search) as the current
     * plan, in one undoable step: the target becomes {@code kind ≤ value}, each group's allocated ratio its override, and
     * the plan is shown and (when live) rewritten and verified as it is, without re-planning.
     */
    public void adopt(PlanOutcome decided, Map<String, Double> ratios, PruneTarget.Kind kind, double value, String what) {
        Snapshot s = snapshot();
        Snapshot settings = new Snapshot(s.criterion(), Allocation.UNIFORM, kind, s.roundTo(), 1 - value, Map.copyOf(ratios),
                s.compensate());
        restore(new PlanState(settings, decided), what);
    }

    private void apply(PlanState p) {
        if (p.decided() == null) {
            restore(p.settings());
            schedule();
            return;
        }
        adopting = true;
        try {
            restore(p.settings());
        } finally {
            adopting = false;
        }
        debounce.stop();
        planRuns++;
        if (planning != null && !planning.isDone()) planning.cancel();
        adopted = p.decided();
        show(p.decided());
    }

    /** True while settings are being set to a decided plan's (no re-planning). */
    private boolean adopting;
    /** The current plan when it was decided by the target box (null when planned from the settings). */
    private PlanOutcome adopted;
    private final ReadOnlyObjectWrapper<Evaluated> evaluated = new ReadOnlyObjectWrapper<>();

    /** The last evaluation of a pruned plan (set when one finishes). */
    public ReadOnlyObjectProperty<Evaluated> evaluatedProperty() { return evaluated.getReadOnlyProperty(); }

    /** All settings at one moment (for undo of a plan load). */
    public record Snapshot(Criterion criterion, Allocation allocation, PruneTarget.Kind kind, int roundTo, double ratio,
                    Map<String, Double> overrides, boolean compensate) { }

    public Snapshot snapshot() {
        return new Snapshot(criterion.get(), allocation.get(), targetKind.get(), roundTo.get(),
                groups.globalRatioProperty().get(), groups.overrides(), compensate.get());
    }

    void restore(Snapshot s) {
        criterion.set(s.criterion());
        allocation.set(s.allocation());
        targetKind.set(s.kind());
        roundTo.set(s.roundTo());
        compensate.set(s.compensate());
        groups.globalRatioProperty().set(s.ratio());
        for (GroupRow r : groups.rows()) r.overrideProperty().set(s.overrides().getOrDefault(r.id(), Double.NaN));
    }

    private <T> void set(Property<T> p, T value, String what) {
        T before = p.getValue();
        if (java.util.Objects.equals(before, value)) return;
        undo.apply(new UndoStack.Edit() {
            @Override public void redo() { p.setValue(value); }
            @Override public void undo() { p.setValue(before); }
            @Override public String description() { return what; }
        });
    }

    /**
     * Choosing a criterion also applies the CLI's defaults for it, in the same undoable step: OBSPA turns compensation
     * on (other criteria leave the check box as it is), and the allocation becomes the criterion's default
     * ({@link Allocation#defaultFor}: global for OBSPA, uniform otherwise) unless another allocation was chosen, as
     * {@code lopper prune --criterion C} without {@code --allocation}.
     */
    public void setCriterion(Criterion c) {
        Criterion before = criterion.get();
        if (before == c) return;
        boolean compBefore = compensate.get();
        boolean compAfter = c == Criterion.OBSPA || compBefore;
        Allocation allocBefore = allocation.get();
        // the allocation follows the criterion's default unless the user chose another one
        Allocation allocAfter = allocBefore == Allocation.defaultFor(before) ? Allocation.defaultFor(c) : allocBefore;
        undo.apply(new UndoStack.Edit() {
            @Override public void redo() { criterion.set(c); compensate.set(compAfter); allocation.set(allocAfter); }
            @Override public void undo() { allocation.set(allocBefore); compensate.set(compBefore); criterion.set(before); }
            @Override public String description() { return "criterion"; }
        });
    }

    /**
     * Calibration data (as `lopper prune --calibration`: CSV, .npy, .npz or an image folder; null: data-free) for the
     * activation criteria (mean-activation, apoz, wanda, stade), OBSPA's moments and compensation; undoable.
     */
    public void setCalibration(Path data) {
        if (data != null || allocation.get() != Allocation.CALIBRATED) {
            set(calibration, data, data == null ? "no calibration data" : "calibration data");
            return;
        }
        // without data the calibrated allocation cannot search: back to the criterion's default, in the same undoable step
        Path before = calibration.get();
        Allocation fallback = Allocation.defaultFor(criterion.get());
        undo.apply(new UndoStack.Edit() {
            @Override public void redo() { allocation.set(fallback); calibration.set(null); }
            @Override public void undo() { calibration.set(before); allocation.set(Allocation.CALIBRATED); }
            @Override public String description() { return "no calibration data"; }
        });
    }

    public ReadOnlyObjectProperty<Path> calibrationProperty() { return calibration; }

    /** Reads the first sample of newly chosen calibration data, so a file that cannot serve is named at once. */
    private void checkCalibration(Path data) {
        LoadedModel m = groups.model();
        if (data == null || m == null) return;
        dev.lopper.app.RunInputs in = inputs.get();
        tasks.run("Checking calibration data", p -> services.checkData(m, data, in, p), found -> {
            if (data.equals(calibration.get())) notice.set("Calibration data " + data.getFileName() + ": " + found);
        }, ex -> {
            if (data.equals(calibration.get())) {
                notice.set("Calibration data " + data.getFileName() + " cannot be used: " + dev.lopper.app.MainViewModel.oneLine(ex));
            }
        }, () -> { });
    }

    /**
     * The allocations the app offers: uniform and global, and with calibration data also calibrated (per-group counts
     * searched by damage measured on it, as {@code lopper prune --allocation calibrated}; minutes, not a live preview).
     */
    public List<Allocation> allocations() {
        return calibration.get() == null ? List.of(Allocation.UNIFORM, Allocation.GLOBAL)
                : List.of(Allocation.UNIFORM, Allocation.GLOBAL, Allocation.CALIBRATED);
    }

    /** The criteria the app offers: the data-free ones, and with calibration data also those measured on it. */
    public List<Criterion> criteria() {
        return calibration.get() == null ? DATA_FREE_CRITERIA : List.of(Criterion.values());
    }

    /** Data-free OBS compensation in the apply step (any criterion); undoable. */
    public void setCompensate(boolean on) { set(compensate, on, on ? "compensation on" : "compensation off"); }

    /** True when the apply step moves the removed channels' contribution into the surviving weights (OBSPA). */
    public javafx.beans.property.ReadOnlyBooleanProperty compensateProperty() { return compensate; }

    public void setAllocation(Allocation a) { set(allocation, a, "allocation"); }

    public void setTargetKind(PruneTarget.Kind k) { set(targetKind, k, "target"); }

    public void setRoundTo(int n) { set(roundTo.asObject(), n, "round-to"); }

    public ReadOnlyObjectProperty<Criterion> criterionProperty() { return criterion; }

    public ReadOnlyObjectProperty<Allocation> allocationProperty() { return allocation; }

    public ReadOnlyObjectProperty<PruneTarget.Kind> targetKindProperty() { return targetKind; }

    public javafx.beans.property.ReadOnlyIntegerProperty roundToProperty() { return roundTo; }

    public ReadOnlyObjectProperty<PlanOutcome> outcomeProperty() { return outcome.getReadOnlyProperty(); }

    public ReadOnlyStringProperty planStatusProperty() { return planStatus.getReadOnlyProperty(); }

    public ObservableList<Double> originalLatency() { return originalLatency; }

    public ReadOnlyObjectProperty<ModelServices.PruneOutcome> prunedProperty() { return pruned.getReadOnlyProperty(); }

    public ReadOnlyStringProperty pruneStatusProperty() { return pruneStatus.getReadOnlyProperty(); }

    public ReadOnlyObjectProperty<ModelServices.Accuracy> accuracyProperty() { return accuracy.getReadOnlyProperty(); }

    /**
     * The random inputs for verification, timing and profiling (integer range, null by default: from the model's
     * embedding tables; shapes of symbolic dims). Changing them clears the results and verifies again.
     */
    public ReadOnlyObjectProperty<dev.lopper.app.RunInputs> inputsProperty() { return inputs; }

    public void setInputs(dev.lopper.app.RunInputs in) { inputs.set(in); }

    /** The last confirmation of a file written (export, plan saved), one line. */
    public ReadOnlyStringProperty noticeProperty() { return notice.getReadOnlyProperty(); }

    static String sizeOf(Path p) {
        try {
            long n = java.nio.file.Files.size(p);
            return n >= 1 << 20 ? String.format("%.1f MB", n / 1048576.0) : String.format("%.1f kB", n / 1024.0);
        } catch (java.io.IOException e) {
            return "size unknown";
        }
    }

    /** Timed runs per model when evaluating. */
    public IntegerProperty evaluateRunsProperty() { return evaluateRuns; }

    /** Rewrite and verify after every plan (on by default). */
    public javafx.beans.property.BooleanProperty livePruneProperty() { return livePrune; }

    public ObservableList<Double> prunedLatency() { return prunedLatency; }

    public ReadOnlyStringProperty latencyStatusProperty() { return latencyStatus.getReadOnlyProperty(); }
}
