package dev.lopper.app.sensitivity;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import dev.lopper.app.LoadedModel;
import dev.lopper.app.MainViewModel;
import dev.lopper.app.ModelServices.PlanOutcome;
import dev.lopper.app.groups.GroupNames;
import dev.lopper.app.groups.GroupRow;
import dev.lopper.app.groups.GroupsViewModel;
import dev.lopper.app.prune.PruneViewModel;
import dev.lopper.app.task.TaskRunner;
import dev.lopper.prune.Allocation;
import dev.lopper.prune.PruneTarget;
import dev.lopper.prune.PruningSettings;
import dev.lopper.prune.latency.LatencySearch;
import dev.lopper.prune.sensitivity.Sensitivity;
import dev.lopper.prune.sensitivity.SensitivityResult;
import dev.lopper.prune.sensitivity.SensitivitySettings;
import dev.lopper.task.Progress;

/**
 * The Sensitivity tab's state: the sensitivity table of the open model (measured in the background with progress per
 * group and cancel, or loaded at once from the cache), one damage-vs-ratio curve per group, the heat column of the
 * groups table (damage at the reference ratio), the selected group (shared with the groups table and the graph), the
 * samples it is measured on (calibration data chosen by the user, or seeded random inputs) and the target box.
 * Testable without a Stage.
 */
public final class SensitivityViewModel {
    /** What the target box can ask for. */
    public enum TargetKind {
        MACS("MACs ≤", "of the original's MACs"),
        PARAMS("params ≤", "of the original's parameters"),
        LATENCY("latency ≤", "× the original's median latency (ONNX Runtime, this machine)"),
        ACCURACY("accuracy ≥", "top-1 accuracy");

        private final String label;
        private final String unit;

        TargetKind(String label, String unit) {
            this.label = label;
            this.unit = unit;
        }

        public String label() { return label; }

        public String unit() { return unit; }
    }

    /** Why the accuracy target cannot run: no labelled data. */
    public static final String ACCURACY_NEEDS_LABELS = "An accuracy target needs labelled data: none was found next to the model"
            + " (MODEL.csv); choose a labelled data file (CSV with a label column, .npz with labels, image folder)";

    /** One group's curve: damage when only this group is pruned, at each measured ratio. */
    public record Curve(String id, String name, List<double[]> points, String status) { }

    private final SensitivityServices services;
    private final TaskRunner tasks;
    private final GroupsViewModel groups;
    private final PruneViewModel prune;
    private final ReadOnlyObjectWrapper<SensitivityResult> result = new ReadOnlyObjectWrapper<>();
    private final ObservableList<Curve> curves = FXCollections.observableArrayList();
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("Measure how much each group matters: Run sensitivity");
    private final ReadOnlyStringWrapper progressText = new ReadOnlyStringWrapper("");
    private final ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper(false);
    private final IntegerProperty samples = new SimpleIntegerProperty(SensitivitySettings.DEFAULT_SAMPLES);
    private final ObjectProperty<Path> data = new SimpleObjectProperty<>();
    private final DoubleProperty referenceRatio = new SimpleDoubleProperty(0.5);
    private final ObjectProperty<TargetKind> targetKind = new SimpleObjectProperty<>(TargetKind.MACS);
    private final StringProperty targetText = new SimpleStringProperty("50 %");
    private final IntegerProperty threads = new SimpleIntegerProperty(1);
    private final ReadOnlyStringWrapper targetStatus = new ReadOnlyStringWrapper("");
    private final ReadOnlyBooleanWrapper deciding = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyObjectWrapper<SensitivityServices.Decided> decided = new ReadOnlyObjectWrapper<>();
    private TaskRunner.Handle measuring;
    private TaskRunner.Handle decidingTask;
    private int runs;

    public SensitivityViewModel(SensitivityServices services, TaskRunner tasks, GroupsViewModel groups, PruneViewModel prune) {
        this.services = services;
        this.tasks = tasks;
        this.groups = groups;
        this.prune = prune;
        groups.groupsProperty().addListener((o, a, b) -> {
            cancel();
            runs++;
            result.set(null);
            curves.clear();
            decided.set(null);
            targetStatus.set("");
            status.set("Measure how much each group matters: Run sensitivity");
            if (!b.isEmpty()) loadCached();
        });
        referenceRatio.addListener((o, a, b) -> showHeat());
        data.addListener((o, a, b) -> reload());
        samples.addListener((o, a, b) -> reload());
        prune.criterionProperty().addListener((o, a, b) -> reload());
        prune.inputsProperty().addListener((o, a, b) -> reload());
    }

    /** Settings changed: the table shown no longer matches; a cached one for the new settings is shown if there is one. */
    private void reload() {
        if (groups.model() == null) return;
        cancel();
        runs++;
        result.set(null);
        curves.clear();
        showHeat();
        status.set("The settings changed: Run sensitivity to measure again");
        loadCached();
    }

    /** Shows the cached table of the open model and settings, if there is one (nothing is measured). */
    public void loadCached() {
        LoadedModel m = groups.model();
        if (m == null) return;
        int run = ++runs;
        Path d = data.get();
        int n = samples.get();
        tasks.run("Looking for cached sensitivity", p -> services.cachedSensitivity(m, prune.criterionProperty().get(), n, d,
                prune.inputsProperty().get(), p), hit -> {
                    if (run != runs || groups.model() != m) return;
                    hit.ifPresent(this::show);
                }, ex -> { /* no cache is not an error: the table can still be measured */ });
    }

    /** Measures (or loads from the cache) in the background, with progress per group; {@link #cancel()} stops it. */
    public void run() {
        LoadedModel m = groups.model();
        if (m == null || groups.rows().isEmpty()) return;
        if (samples.get() < 1) {
            status.set("Samples must be at least 1");
            return;
        }
        cancel();
        int run = ++runs;
        Path d = data.get();
        int n = samples.get();
        var criterion = prune.criterionProperty().get();
        var inputs = prune.inputsProperty().get();
        running.set(true);
        progressText.set("Starting…");
        status.set("Measuring sensitivity on " + n + (d == null ? " seeded random inputs" : " samples of " + d.getFileName()) + " …");
        measuring = tasks.run("Sensitivity of " + m.path().getFileName(), p -> services.sensitivity(m, criterion, n, d, inputs,
                reporting(p, run)), measured -> {
                    if (run != runs) return;
                    running.set(false);
                    progressText.set("");
                    show(measured);
                }, ex -> {
                    if (run != runs) return;
                    running.set(false);
                    progressText.set("");
                    status.set("Cannot measure sensitivity: " + MainViewModel.oneLine(ex));
                }, () -> {
                    if (run != runs) return;
                    running.set(false);
                    progressText.set("");
                    status.set("Sensitivity cancelled: nothing was measured or cached");
                });
    }

    /** A progress that also shows its message (the group being measured, k of n) in the tab. */
    private Progress reporting(Progress p, int run) {
        return new Progress() {
            @Override
            public void update(String message, double done, double total) {
                p.update(message, done, total);
                String text = total > 1 ? String.format(Locale.ROOT, "%s (%d of %d)", message, (long) done, (long) total) : message;
                tasks.post(() -> { if (run == runs && running.get()) progressText.set(text); });
            }

            @Override
            public boolean isCancelled() { return p.isCancelled(); }
        };
    }

    public void cancel() {
        if (measuring != null && !measuring.isDone()) measuring.cancel();
        if (decidingTask != null && !decidingTask.isDone()) decidingTask.cancel();
    }

    private void show(Sensitivity.Measured measured) {
        SensitivityResult r = measured.result();
        result.set(r);
        List<Curve> list = new ArrayList<>();
        for (SensitivityResult.Group g : r.groups()) {
            if (!g.measured() || g.points().isEmpty()) continue;
            List<double[]> pts = new ArrayList<>();
            pts.add(new double[] {0, 0});
            for (SensitivityResult.Point p : g.points()) {
                if (Double.isFinite(p.damage())) pts.add(new double[] {p.ratio(), p.damage()});
            }
            list.add(new Curve(g.id(), GroupNames.readable(g.id()), pts, g.status()));
        }
        curves.setAll(list);
        showHeat();
        long notMeasured = r.groups().stream().filter(g -> !g.measured()).count();
        status.set(String.format(Locale.ROOT, "%d groups · %s on %d %s · %s%s", list.size(), damageName(r), r.settings().samples(),
                r.settings().dataKey().equals("random") ? "seeded random inputs" : "samples",
                measured.cached() ? "from the cache (" + measured.cacheFile().getFileName() + ")"
                        : String.format(Locale.ROOT, "measured in %.1f s%s", r.seconds(),
                        measured.cacheFile() == null ? "" : ", cached"),
                notMeasured == 0 ? "" : " · " + notMeasured + " not measured"));
    }

    /** The damage axis's label (short: the chart is low). */
    public static String axisLabel(SensitivityResult r) {
        return r == null ? "damage" : r.metric().equals("accuracy") ? "damage (accuracy drop)" : "damage (rel. L2)";
    }

    /** What the damage is: accuracy drop with labelled data, else relative L2 error of the outputs. */
    public static String damageName(SensitivityResult r) {
        return r.metric().equals("accuracy") ? "accuracy drop" : "relative L2 error of the outputs";
    }

    /** The damage at the reference ratio (interpolated on the curve) for each group, and the heat relative to the worst. */
    private void showHeat() {
        SensitivityResult r = result.get();
        Map<String, Double> at = new java.util.HashMap<>();
        if (r != null) for (Curve c : curves) at.put(c.id(), damageAt(c, referenceRatio.get()));
        double max = at.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
        for (GroupRow row : groups.rows()) {
            Double d = at.get(row.id());
            row.damageProperty().set(d == null ? Double.NaN : d);
            row.heatProperty().set(d == null ? Double.NaN : max > 0 ? Math.max(0, d) / max : 0);
        }
    }

    /** The curve's damage at a ratio, linear between measured points (the last point beyond them). */
    public static double damageAt(Curve c, double ratio) {
        List<double[]> p = c.points();
        for (int i = 1; i < p.size(); i++) {
            if (ratio <= p.get(i)[0] + 1e-12) {
                double t = (ratio - p.get(i - 1)[0]) / (p.get(i)[0] - p.get(i - 1)[0]);
                return p.get(i - 1)[1] + t * (p.get(i)[1] - p.get(i - 1)[1]);
            }
        }
        return p.get(p.size() - 1)[1];
    }

    /** Selects a group (clicking its curve or legend entry): in the groups table and on the graph. */
    public void selectGroup(String id) {
        for (GroupRow r : groups.rows()) {
            if (r.id().equals(id)) {
                groups.select(r);
                return;
            }
        }
    }

    /** The id of the group selected in the table (null for none). */
    public String selectedGroup() {
        GroupRow r = groups.selectedProperty().get();
        return r == null ? null : r.id();
    }

    public ReadOnlyObjectProperty<GroupRow> selectedProperty() { return groups.selectedProperty(); }

    // ---------------------------------------------------------------- target box

    /**
     * Parses the target text: "50 %", "50%", "0.5" (a fraction) or "0.6x" for a latency. Returns the fraction in
     * (0, 1] (latency: (0, 1)).
     *
     * @throws IllegalArgumentException with one line saying what is wrong
     */
    public static double parseTarget(TargetKind kind, String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace(" ", "").replace("×", "x");
        if (t.isEmpty()) throw new IllegalArgumentException("give a target, e.g. 50 %");
        double v;
        try {
            if (t.endsWith("%")) v = Double.parseDouble(t.substring(0, t.length() - 1)) / 100;
            else if (t.endsWith("x")) v = Double.parseDouble(t.substring(0, t.length() - 1));
            else {
                v = Double.parseDouble(t);
                if (v > 1 && v <= 100) v /= 100;
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text.trim() + "' is not a number (write e.g. 50 % or 0.5)");
        }
        if (kind == TargetKind.LATENCY ? !(v > 0 && v < 1) : !(v > 0 && v <= 1)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "the %s target must be in (0, %s), got %s",
                    kind.label().split(" ")[0], kind == TargetKind.LATENCY ? "1" : "100 %]", text.trim()));
        }
        return v;
    }

    /**
     * Decides the plan for the target in the background, as `lopper prune --allocation sensitivity` with
     * --target-macs/--target-params/--target-latency and the same settings would, and loads it (undoable).
     */
    public void findPlan() {
        LoadedModel m = groups.model();
        if (m == null || groups.rows().isEmpty()) {
            targetStatus.set("Open a model first");
            return;
        }
        TargetKind kind = targetKind.get();
        double value;
        try {
            value = parseTarget(kind, targetText.get());
        } catch (IllegalArgumentException e) {
            targetStatus.set(e.getMessage());
            return;
        }
        if (kind == TargetKind.ACCURACY) {
            findAccuracyPlan(m, value);
            return;
        }
        if (decidingTask != null && !decidingTask.isDone()) decidingTask.cancel();
        PruneTarget.Kind pk = kind == TargetKind.PARAMS ? PruneTarget.Kind.PARAMS : PruneTarget.Kind.MACS;
        PruningSettings base = prune.pruningSettings();
        PruningSettings settings = new PruningSettings(Allocation.UNIFORM, new PruneTarget(pk, value), base.roundTo(),
                base.minChannels(), Set.of(), Map.of());
        Double latency = kind == TargetKind.LATENCY ? value : null;
        int th = threads.get();
        Path d = data.get();
        int n = samples.get();
        var scoring = prune.scoringOptions();
        var inputs = prune.inputsProperty().get();
        deciding.set(true);
        targetStatus.set(kind == TargetKind.LATENCY ? "Searching: allocating by sensitivity and timing each candidate against the original…"
                : "Allocating by sensitivity…");
        String what = kind.label() + " " + describe(kind, value);
        decidingTask = tasks.run("Finding a plan for " + what, p -> services.decide(m, scoring, settings, latency, th, n, d, inputs, p), r -> {
            deciding.set(false);
            if (groups.model() != m) return;
            decided.set(r);
            if (r.outcome() == null) {
                targetStatus.set("No plan tried ran faster than the original: nothing loaded" + trials(r.latency()));
                return;
            }
            prune.adopt(r.outcome(), overrides(r.ratios()), pk, kind == TargetKind.LATENCY ? r.outcome().after().macsFraction(r.outcome().before())
                    : value, "target " + what);
            targetStatus.set(report(kind, value, r));
        }, ex -> {
            deciding.set(false);
            targetStatus.set("Cannot meet the target: " + MainViewModel.oneLine(ex));
        }, () -> {
            deciding.set(false);
            targetStatus.set("Cancelled: the plan was not changed");
        });
    }

    /**
     * The accuracy target: in the background, the smallest MACs fraction whose sensitivity-allocated, pruned plan keeps
     * top-1 accuracy ≥ {@code value} on the labelled data (the data chosen in the tab, else the CSV next to the model),
     * as `lopper prune --allocation sensitivity --target-accuracy A --data D` finds it; loads it (undoable).
     */
    private void findAccuracyPlan(LoadedModel m, double value) {
        Path chosen = data.get();
        Path labelled = chosen != null ? chosen : services.labelledData(m);
        if (labelled == null) {
            targetStatus.set(ACCURACY_NEEDS_LABELS);
            return;
        }
        if (decidingTask != null && !decidingTask.isDone()) decidingTask.cancel();
        PruningSettings base = prune.pruningSettings();
        PruningSettings settings = new PruningSettings(Allocation.UNIFORM, PruneTarget.macs(1), base.roundTo(),
                base.minChannels(), Set.of(), Map.of());
        Path d = data.get();
        int n = samples.get();
        var scoring = prune.scoringOptions();
        var inputs = prune.inputsProperty().get();
        deciding.set(true);
        targetStatus.set("Searching: pruning candidates and measuring their accuracy on " + labelled.getFileName() + "…");
        String what = TargetKind.ACCURACY.label() + " " + describe(TargetKind.ACCURACY, value);
        decidingTask = tasks.run("Finding a plan for " + what, p -> services.decideAccuracy(m, scoring, settings, value, labelled, n, d,
                inputs, reporting(p, runs)), r -> {
            deciding.set(false);
            if (groups.model() != m) return;
            decided.set(r);
            if (r.outcome() == null) {
                targetStatus.set("✘ " + r.accuracy().message() + ": nothing loaded" + accuracyTrials(r.accuracy()));
                return;
            }
            // the MACs target the chosen plan was planned for (as `lopper prune --target-accuracy` plans it)
            prune.adopt(r.outcome(), overrides(r.ratios()), PruneTarget.Kind.MACS, r.accuracy().chosenTrial().target(), "target " + what);
            targetStatus.set(report(TargetKind.ACCURACY, value, r));
        }, ex -> {
            deciding.set(false);
            targetStatus.set("Cannot meet the target: " + MainViewModel.oneLine(ex));
        }, () -> {
            deciding.set(false);
            targetStatus.set("Cancelled: the plan was not changed");
        });
    }

    private static String accuracyTrials(dev.lopper.prune.latency.AccuracySearch.Result a) {
        if (a == null || a.trials().isEmpty()) return "";
        StringBuilder b = new StringBuilder(" · trials:");
        for (var t : a.trials()) {
            b.append(String.format(Locale.ROOT, " %.0f%% MACs→%s", 100 * t.macsFraction(),
                    t.verified() ? String.format(Locale.ROOT, "%.1f%%", 100 * t.accuracy()) : "failed verification"));
        }
        return b.toString();
    }

    /** Each prunable group's ratio as allocated: the groups the allocator left whole get 0 (not the global ratio). */
    private Map<String, Double> overrides(Map<String, Double> ratios) {
        Map<String, Double> all = new java.util.LinkedHashMap<>();
        for (GroupRow row : groups.rows()) {
            if (row.isPrunable()) all.put(row.id(), ratios.getOrDefault(row.id(), 0.0));
        }
        return all;
    }

    static String describe(TargetKind kind, double value) {
        return kind == TargetKind.LATENCY ? String.format(Locale.ROOT, "%.2f×", value) : String.format(Locale.ROOT, "%.1f %%", 100 * value);
    }

    /** What the decided plan achieves against its target, one line (with the latency trials). */
    static String report(TargetKind kind, double value, SensitivityServices.Decided r) {
        PlanOutcome o = r.outcome();
        double macs = o.after().macsFraction(o.before());
        double params = o.after().paramsFraction(o.before());
        StringBuilder b = new StringBuilder();
        if (kind == TargetKind.ACCURACY) {
            var a = r.accuracy();
            b.append(String.format(Locale.ROOT, "✔ met: accuracy %.2f %% (original %.2f %%) for target ≥ %.2f %% on %s",
                    100 * a.chosenTrial().accuracy(), 100 * a.originalAccuracy(), 100 * value, a.rows()));
        } else if (kind == TargetKind.LATENCY) {
            LatencySearch.Trial t = r.latency().chosenTrial();
            b.append(String.format(Locale.ROOT, "%s latency %.3f× (%.2f ms vs %.2f ms) for target ≤ %.2f×",
                    r.latency().met() ? "✔ met:" : "✘ not met, the fastest plan tried:", t.fraction(), t.prunedMs(), t.originalMs(), value));
        } else {
            double got = kind == TargetKind.MACS ? macs : params;
            b.append(String.format(Locale.ROOT, "%s %s %.1f %% for target ≤ %.1f %%", got <= value + 1e-9 ? "✔ met:" : "✘ not met:",
                    kind == TargetKind.MACS ? "MACs" : "params", 100 * got, 100 * value));
        }
        b.append(String.format(Locale.ROOT, " · MACs %.1f %%, params %.1f %%", 100 * macs, 100 * params));
        if (Double.isFinite(r.predictedDamage())) {
            b.append(String.format(Locale.ROOT, " · predicted %s %.4f", r.metric().equals("accuracy") ? "accuracy drop" : "relative L2",
                    r.predictedDamage()));
        }
        b.append(" · loaded (Ctrl+Z undoes)");
        return b.append(trials(r.latency())).append(accuracyTrials(r.accuracy())).toString();
    }

    private static String trials(LatencySearch.Result l) {
        if (l == null || l.trials().isEmpty()) return "";
        StringBuilder b = new StringBuilder(" · trials:");
        for (LatencySearch.Trial t : l.trials()) {
            b.append(String.format(Locale.ROOT, " %.0f%% MACs→%.2f×", 100 * t.macsFraction(), t.fraction()));
        }
        return b.toString();
    }

    // ---------------------------------------------------------------- properties

    public ReadOnlyObjectProperty<SensitivityResult> resultProperty() { return result.getReadOnlyProperty(); }

    public ObservableList<Curve> curves() { return curves; }

    public ReadOnlyStringProperty statusProperty() { return status.getReadOnlyProperty(); }

    /** The group being measured (k of n) while running. */
    public ReadOnlyStringProperty progressTextProperty() { return progressText.getReadOnlyProperty(); }

    public ReadOnlyBooleanProperty runningProperty() { return running.getReadOnlyProperty(); }

    /** Samples the damage is measured on. */
    public IntegerProperty samplesProperty() { return samples; }

    /** The data the damage is measured on (CSV, .npy, .npz, image folder), null for seeded random inputs. */
    public ObjectProperty<Path> dataProperty() { return data; }

    /** The ratio the heat column shows the damage at. */
    public DoubleProperty referenceRatioProperty() { return referenceRatio; }

    public ObjectProperty<TargetKind> targetKindProperty() { return targetKind; }

    public StringProperty targetTextProperty() { return targetText; }

    /** ONNX Runtime threads of a latency target's timing. */
    public IntegerProperty threadsProperty() { return threads; }

    public ReadOnlyStringProperty targetStatusProperty() { return targetStatus.getReadOnlyProperty(); }

    public ReadOnlyBooleanProperty decidingProperty() { return deciding.getReadOnlyProperty(); }

    /** The last decided plan (null before one). */
    public ReadOnlyObjectProperty<SensitivityServices.Decided> decidedProperty() { return decided.getReadOnlyProperty(); }
}
