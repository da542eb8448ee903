package dev.lopper.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.lopper.runtime.EvalException;
import dev.lopper.prune.PruningSession;
import dev.lopper.prune.sensitivity.Sensitivity;
import dev.lopper.prune.sensitivity.SensitivityCache;
import dev.lopper.prune.sensitivity.SensitivityResult;
import dev.lopper.prune.sensitivity.SensitivitySettings;
import dev.lopper.task.CancelledException;
import dev.lopper.task.Progress;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lopper sensitivity MODEL}: the damage when only one group is pruned, per group and ratio. */
@Command(name = "sensitivity", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"For each prunable group: the damage when ONLY that group loses a fraction of its channels, and what it saves.",
                "Damage = accuracy drop on --data with labels, else relative L2 error of the outputs vs the original."})
public final class SensitivityCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "ONNX model.")
    Path model;

    @Option(names = "--data", paramLabel = "D", description = "Samples (.csv, .npy, .npz or image folder, as `lopper eval --data`); default: seeded random inputs.")
    Path data;

    @Option(names = "--ratios", paramLabel = "R,R,...", split = ",", description = "Fractions of a group's channels removed (default 0.1,0.3,0.5,0.7).")
    List<Double> ratios = new ArrayList<>(SensitivitySettings.DEFAULT_RATIOS);

    @Option(names = "--samples", paramLabel = "N", defaultValue = "" + SensitivitySettings.DEFAULT_SAMPLES,
            description = "Samples the damage is measured on (default ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--criterion", paramLabel = "NAME", defaultValue = "l1", description = "Which channels go first: l1 (default), l2, bn-scale, fpgm, lamp, random.")
    String criterion;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of random inputs (default 0).")
    long seed;

    @Option(names = "--input-shape", paramLabel = "NAME=D1,D2,...", description = "Sizes for inputs with dynamic dims.")
    List<String> inputShapes = new ArrayList<>();

    @Option(names = "--parallel", paramLabel = "N", description = "Concurrent ONNX Runtime runs (default: the number of cores).")
    Integer parallel;

    @Option(names = "--no-cache", description = "Measure again and do not write the cache ($XDG_CACHE_HOME/lopper/sensitivity).")
    boolean noCache;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Cache folder (default $XDG_CACHE_HOME/lopper/sensitivity, else ~/.cache/lopper/sensitivity).")
    Path cacheDir;

    @Option(names = "--json", description = "Print the table as JSON (the cache file's format).")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Map<String, long[]> shapes = ModelLoading.inputShapes(spec, inputShapes);
        if (samples < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--samples must be at least 1, got " + samples);
        int par = parallel == null ? Runtime.getRuntime().availableProcessors() : parallel;
        if (par < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--parallel must be at least 1, got " + par);
        try (CliCancellation cancel = new CliCancellation()) {
            Progress progress = cancel.token().progress(new PruneCommand.StderrProgress(spec.commandLine().getErr()));
            SensitivitySettings settings;
            try {
                settings = new SensitivitySettings(ratios, samples, seed, criterion, "random", shapes);
                dev.lopper.importance.Criterion.parse(criterion);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            try {
                PruningSession s = PruningSession.open(model, shapes, progress);
                settings = settings.withData(Sensitivity.dataKey(data, progress));
                SensitivityCache cache = noCache ? null : cacheDir != null ? new SensitivityCache(cacheDir) : SensitivityCache.standard();
                Sensitivity.Measured m = Sensitivity.measure(s, settings, data, par, cache, progress);
                PrintWriter out = spec.commandLine().getOut();
                if (json) out.println(SensitivityCache.toJson(m.result()));
                else out.print(text(m));
                out.flush();
                return 0;
            } catch (CancelledException e) {
                throw new CliException("cancelled");
            } catch (EvalException e) {
                throw new CliException(e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new CliException(model + ": " + e.getMessage(), e);
            }
        }
    }

    static String text(Sensitivity.Measured m) {
        SensitivityResult r = m.result();
        StringBuilder b = new StringBuilder();
        boolean acc = r.metric().equals("accuracy");
        b.append(String.format(Locale.ROOT, "%s: damage = %s, %d samples, criterion %s%s%n", r.modelFile(),
                acc ? String.format(Locale.ROOT, "accuracy drop (baseline %.1f%%)", 100 * r.baselineAccuracy()) : "relative L2 error of the outputs",
                r.settings().samples(), r.settings().criterion(),
                m.cached() ? ", from the cache " + m.cacheFile() : String.format(Locale.ROOT, ", measured in %.1f s", r.seconds())));
        int idw = 12;
        for (SensitivityResult.Group g : r.groups()) idw = Math.max(idw, Math.min(60, g.id().length()));
        b.append(String.format(Locale.ROOT, "%-" + idw + "s %8s", "GROUP (most sensitive first)", "CHANNELS"));
        for (double ratio : r.settings().ratios()) b.append(String.format(Locale.ROOT, " %9s", "@" + fmt(ratio)));
        b.append(String.format(Locale.ROOT, " %12s%n", "MACs@" + fmt(r.settings().ratios().get(r.settings().ratios().size() - 1))));
        for (SensitivityResult.Group g : r.ranking()) {
            b.append(String.format(Locale.ROOT, "%-" + idw + "s %8d", g.id(), g.channels()));
            for (SensitivityResult.Point p : g.points()) {
                b.append(String.format(Locale.ROOT, " %9s", acc ? String.format(Locale.ROOT, "%+.1f%%", p.damage() == 0 ? 0.0 : -100 * p.damage())
                        : String.format(Locale.ROOT, "%.4f", p.damage())));
            }
            SensitivityResult.Point last = g.points().get(g.points().size() - 1);
            b.append(String.format(Locale.ROOT, " %11.1f%%", 100.0 * last.macsSaved() / Math.max(1, r.totalMacs())));
            if (g.status().equals("approximate")) b.append("  (approximate: ").append(g.reason()).append(')');
            b.append('\n');
        }
        for (SensitivityResult.Group g : r.groups()) {
            if (!g.measured()) b.append(String.format(Locale.ROOT, "%-" + idw + "s %8d  not measured: %s%n", g.id(), g.channels(), g.reason()));
        }
        return b.toString();
    }

    private static String fmt(double r) {
        String s = String.format(Locale.ROOT, "%.2f", r);
        return s.endsWith("0") ? s.substring(0, s.length() - 1) : s;
    }
}
