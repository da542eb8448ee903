package dev.lopper.prune.sensitivity;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.runtime.EvalException;
import dev.lopper.runtime.FidelityAccumulator;
import dev.lopper.runtime.HostTensor;
import dev.lopper.importance.ChannelScores;
import dev.lopper.importance.Criterion;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.prune.Allocation;
import dev.lopper.prune.Allocator;
import dev.lopper.prune.GroupPlan;
import dev.lopper.prune.ModelCost;
import dev.lopper.prune.PruneTarget;
import dev.lopper.prune.PruningSession;
import dev.lopper.prune.PruningSettings;
import dev.lopper.task.CancelledException;
import dev.lopper.task.Progress;

/**
 * Sensitivity analysis: for every prunable group and every ratio, the damage when ONLY that group loses that
 * fraction of its channels (the lowest-scored by the chosen criterion), with what it saves in MACs and
 * parameters (the session's cost counter). Damage is measured in ONNX Runtime on the first N samples of a data
 * set (accuracy drop when it has labels) or on N seeded random inputs (relative L2 error of the outputs).
 *
 * <p>How it is fast: nothing is rewritten. One {@link MaskedRunner} session serves every (group, ratio) run by
 * feeding zero-masked copies of only the consumer weights involved (removal = zeroed consumer columns), samples
 * go through in batches, and runs go in parallel on {@code parallel} threads (one ORT thread each).
 */
public final class SensitivityAnalysis {
    private SensitivityAnalysis() {}

    /**
     * @param data     data set (any format `lopper eval --data` reads) or null for seeded random inputs
     * @param parallel concurrent runs (≥ 1)
     */
    public static SensitivityResult run(PruningSession s, SensitivitySettings settings, Path data, int parallel, Progress progress) {
        long t0 = System.nanoTime();
        Criterion crit = Criterion.parse(settings.criterion());
        if (crit.create().needsActivations() || crit == Criterion.OBSPA) {
            throw new IllegalArgumentException("sensitivity ranks channels with a data-free criterion; '" + crit.id() + "' needs calibration data");
        }
        ScoringOptions scoring = ScoringOptions.defaults().with(crit);
        progress.update("scoring channels", 0, 1);
        Map<String, ChannelScores> scores = s.score(scoring, progress);
        PruningSettings one = new PruningSettings(Allocation.UNIFORM, PruneTarget.ratio(0), 1, 1, Set.of(), Map.of());
        ModelCost before = s.before();

        try (DamageProbe probe = DamageProbe.open(s, settings, data, progress)) {
            MaskedRunner runner = probe.runner();
            boolean hasLabels = probe.hasLabels();
            double baseAcc = probe.baselineAccuracy();
            {
                // the work: one task per (group, ratio)
                record Task(CoupledGroup g, double ratio, GroupPlan plan) { }
                List<Task> tasks = new ArrayList<>();
                Map<String, String> notMeasured = new LinkedHashMap<>();
                for (CoupledGroup g : s.groups()) {
                    if (!g.isPrunable()) continue;
                    if (!runner.canMask(g.id())) {
                        notMeasured.put(g.id(), runner.unsupported().getOrDefault(g.id(), "not scored"));
                        continue;
                    }
                    if (!scores.containsKey(g.id())) {
                        notMeasured.put(g.id(), "not scored");
                        continue;
                    }
                    for (double r : settings.ratios()) {
                        GroupPlan p = Allocator.allocate(List.of(g), scores, one, r).get(g.id());
                        tasks.add(new Task(g, r, p));
                    }
                }
                Map<Task, SensitivityResult.Point> points = new java.util.concurrent.ConcurrentHashMap<>();
                AtomicInteger done = new AtomicInteger();
                int total = tasks.size();
                ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallel), r -> {
                    Thread t = new Thread(r, "lopper-sensitivity");
                    t.setDaemon(true);
                    return t;
                });
                try {
                    List<Future<?>> futures = new ArrayList<>();
                    Map<CoupledGroup, List<Task>> byGroup = new LinkedHashMap<>();
                    for (Task t : tasks) byGroup.computeIfAbsent(t.g(), k -> new ArrayList<>()).add(t);
                    for (Map.Entry<CoupledGroup, List<Task>> e : byGroup.entrySet()) {
                        futures.add(pool.submit(() -> {
                            if (progress.isCancelled()) throw new CancelledException();
                            // one session per group over only the part of the model its mask changes
                            try (DamageProbe.GroupProbe gp = probe.openGroup(e.getKey().id())) {
                                for (Task t : e.getValue()) {
                                    if (progress.isCancelled()) throw new CancelledException();
                                    ModelCost after = t.plan() == null ? before : s.costModel().count(Map.of(t.g().id(), t.plan()));
                                    long macsSaved = before.macs() - after.macs();
                                    long paramsSaved = before.params() - after.params();
                                    SensitivityResult.Point pt;
                                    if (t.plan() == null) {
                                        pt = new SensitivityResult.Point(t.ratio(), 0, baseAcc, 1, 0, 0, macsSaved, paramsSaved);
                                    } else {
                                        DamageProbe.Damage d = gp.measure(t.plan().removed());
                                        pt = new SensitivityResult.Point(t.ratio(), t.plan().removedCount(), d.accuracy(), d.cosine(), d.relL2(),
                                                d.damage(), macsSaved, paramsSaved);
                                    }
                                    points.put(t, pt);
                                    progress.update("sensitivity of " + t.g().id(), done.incrementAndGet(), total);
                                }
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : futures) {
                        while (true) {
                            try {
                                f.get(100, TimeUnit.MILLISECONDS);
                                break;
                            } catch (TimeoutException e) {
                                if (progress.isCancelled()) {
                                    probe.terminate();
                                    throw new CancelledException();
                                }
                            } catch (ExecutionException e) {
                                if (e.getCause() instanceof RuntimeException re) throw re;
                                throw new IllegalStateException(e.getCause());
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                probe.terminate();
                                throw new CancelledException();
                            }
                        }
                    }
                } finally {
                    pool.shutdownNow();
                    try {
                        pool.awaitTermination(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                List<SensitivityResult.Group> groups = new ArrayList<>();
                for (CoupledGroup g : s.groups()) {
                    if (!g.isPrunable()) continue;
                    if (notMeasured.containsKey(g.id())) {
                        groups.add(new SensitivityResult.Group(g.id(), g.channels(), "not measured", notMeasured.get(g.id()), List.of()));
                        continue;
                    }
                    List<SensitivityResult.Point> pts = new ArrayList<>();
                    for (Task t : tasks) if (t.g() == g) pts.add(points.get(t));
                    boolean approx = MaskedRunner.approximate(g);
                    groups.add(new SensitivityResult.Group(g.id(), g.channels(), approx ? "approximate" : "exact",
                            approx ? "normalized over by " + g.mixingNodes() : "", pts));
                }
                progress.update("sensitivity done", total, total);
                return new SensitivityResult(s.path().getFileName().toString(), s.sha256(), settings, hasLabels ? "accuracy" : "fidelity",
                        baseAcc, before.macs(), before.params(), groups, (System.nanoTime() - t0) / 1e9);
            }
        }
    }

    static String classifierOutput(Map<String, HostTensor> out, Path data) {
        for (Map.Entry<String, HostTensor> e : out.entrySet()) if (FidelityAccumulator.isClassifierOutput(e.getValue())) return e.getKey();
        throw new EvalException(data + " has labels, but no output of the model has shape [N, classes]");
    }
}
