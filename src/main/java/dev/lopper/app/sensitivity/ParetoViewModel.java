package dev.lopper.app.sensitivity;

import java.util.List;
import java.util.Locale;

import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import dev.lopper.app.LoadedModel;
import dev.lopper.app.MainViewModel;
import dev.lopper.app.groups.GroupsViewModel;
import dev.lopper.app.prune.PruneViewModel;
import dev.lopper.app.task.TaskRunner;
import dev.lopper.runtime.OutputFidelity;

/**
 * The plans tried in the session, as points of quality against latency and against MACs: each Evaluate of a pruned
 * plan adds one. Quality is top-1 accuracy when the model has a labelled data set, else output fidelity (the worst
 * output's cosine similarity to the original on seeded random batches, as `lopper eval --reference`). Clicking a point
 * restores that plan (its settings, or the plan the target box decided), undoably. Testable without a Stage.
 */
public final class ParetoViewModel {
    /**
     * One evaluated plan.
     *
     * @param number   1, 2, … in the order evaluated
     * @param latency  pruned median latency / original median latency (interleaved runs)
     * @param macs     MACs kept / original MACs
     * @param params   parameters kept / original parameters
     * @param quality  top-1 accuracy (metric "accuracy") or worst output cosine (metric "fidelity")
     * @param original the original's quality (accuracy of the original; 1 for fidelity)
     */
    public record Point(int number, double latency, double macs, double params, String metric, double quality, double original,
                        String label, PruneViewModel.PlanState state) { }

    private final SensitivityServices services;
    private final TaskRunner tasks;
    private final PruneViewModel prune;
    private final GroupsViewModel groups;
    private final ObservableList<Point> points = FXCollections.observableArrayList();
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("Each Evaluate (Prune tab) of a pruned plan adds a point");

    public ParetoViewModel(SensitivityServices services, TaskRunner tasks, GroupsViewModel groups, PruneViewModel prune) {
        this.services = services;
        this.tasks = tasks;
        this.groups = groups;
        this.prune = prune;
        groups.groupsProperty().addListener((o, a, b) -> {
            points.clear();
            status.set("Each Evaluate (Prune tab) of a pruned plan adds a point");
        });
        prune.evaluatedProperty().addListener((o, a, e) -> { if (e != null) add(e); });
    }

    private void add(PruneViewModel.Evaluated e) {
        double latency = e.bench().candidate().medianMs() / e.bench().baseline().medianMs();
        double macs = e.plan().after().macsFraction(e.plan().before());
        double params = e.plan().after().paramsFraction(e.plan().before());
        String label = label(e);
        if (e.accuracy() != null) {
            points.add(new Point(points.size() + 1, latency, macs, params, "accuracy", e.accuracy().pruned(), e.accuracy().original(),
                    label, e.state()));
            status.set(describe(points.get(points.size() - 1)));
            return;
        }
        LoadedModel m = groups.model();
        if (m == null || e.model() == null) return;
        status.set("Measuring output fidelity of the evaluated plan…");
        var inputs = prune.inputsProperty().get();
        tasks.run("Output fidelity", p -> services.fidelity(m, e.model(), inputs, p), fid -> {
            if (groups.model() != m) return;
            double cos = fid.stream().mapToDouble(OutputFidelity::cosine).min().orElse(Double.NaN);
            points.add(new Point(points.size() + 1, latency, macs, params, "fidelity", cos, 1, label, e.state()));
            status.set(describe(points.get(points.size() - 1)));
        }, ex -> status.set("Cannot measure fidelity: " + MainViewModel.oneLine(ex)));
    }

    private static String label(PruneViewModel.Evaluated e) {
        var s = e.state().settings();
        String target = e.state().decided() != null ? "decided by the target box"
                : String.format(Locale.ROOT, "%s %.0f %% %s", s.kind().name().toLowerCase(Locale.ROOT), 100 * s.ratio(),
                s.allocation().name().toLowerCase(Locale.ROOT));
        return s.criterion().id() + ", " + target + (s.compensate() ? ", compensated" : "");
    }

    static String describe(Point p) {
        return String.format(Locale.ROOT, "#%d: %s %.3f · latency %.2f× · MACs %.1f %% · %s (click a point to restore its plan)",
                p.number(), p.metric().equals("accuracy") ? "top-1" : "cosine", p.quality(), p.latency(), 100 * p.macs(), p.label());
    }

    /** Restores the plan of a point (settings, or the decided plan), undoably. */
    public void restore(Point p) {
        prune.restore(p.state(), "restore plan #" + p.number());
        status.set("Restored plan #" + p.number() + " (Ctrl+Z undoes)");
    }

    /** The points that no other point beats on both quality and the given cost (latency or MACs). */
    public static List<Point> front(List<Point> all, boolean byLatency) {
        return all.stream().filter(p -> all.stream().noneMatch(q -> q != p
                && cost(q, byLatency) <= cost(p, byLatency) && q.quality() >= p.quality()
                && (cost(q, byLatency) < cost(p, byLatency) || q.quality() > p.quality()))).toList();
    }

    private static double cost(Point p, boolean byLatency) { return byLatency ? p.latency() : p.macs(); }

    public ObservableList<Point> points() { return points; }

    public ReadOnlyStringProperty statusProperty() { return status.getReadOnlyProperty(); }
}
