package dev.lopper.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.runtime.EvalException;
import dev.lopper.runtime.ShapePolicy;
import dev.lopper.runtime.VerifyOptions;
import dev.lopper.graph.GraphLoader;
import dev.lopper.importance.Criterion;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.importance.Normalization;
import dev.lopper.importance.Reduction;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.ModelWriteException;
import dev.lopper.onnx.OutputFiles;
import dev.lopper.prune.Allocation;
import dev.lopper.prune.ModelCost;
import dev.lopper.prune.PlanException;
import dev.lopper.prune.PlanExecution;
import dev.lopper.prune.PlanResult;
import dev.lopper.prune.PruneRequest;
import dev.lopper.prune.obspa.MomentModel;
import dev.lopper.prune.PruneResult;
import dev.lopper.prune.PlanFiles;
import dev.lopper.prune.PruneTarget;
import dev.lopper.prune.PruningPlan;
import dev.lopper.prune.PruningSession;
import dev.lopper.prune.PruningSettings;
import dev.lopper.prune.latency.LatencySearch;
import dev.lopper.prune.latency.TargetDecision;
import dev.lopper.prune.latency.AccuracySearch;
import dev.lopper.prune.latency.NeverSlower;
import dev.lopper.prune.latency.HardwareCounts;
import dev.lopper.prune.latency.LatencyTable;
import dev.lopper.prune.sensitivity.DamageProbe;
import dev.lopper.prune.sensitivity.Sensitivity;
import dev.lopper.prune.sensitivity.SensitivityCache;
import dev.lopper.prune.sensitivity.SensitivitySettings;
import dev.lopper.task.Progress;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lopper prune MODEL -o OUT ...}: score, plan, apply, verify in ONNX Runtime, then write atomically. */
@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Remove channels from a model: score, plan, apply, verify with ONNX Runtime, write.",
                "Nothing is written unless the pruned model loads and runs with the original's output shapes."})
public final class PruneCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "ONNX model to prune.")
    Path model;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "Where to write the pruned model (never the input).")
    Path output;

    @Option(names = "--ratio", paramLabel = "R", description = "Fraction of channels to remove, in [0, 1).")
    Double ratio;

    @Option(names = "--target-macs", paramLabel = "F", description = "Keep at most this fraction of MACs, in (0, 1].")
    Double targetMacs;

    @Option(names = "--target-params", paramLabel = "F", description = "Keep at most this fraction of parameters, in (0, 1].")
    Double targetParams;

    @Option(names = "--target-latency", paramLabel = "F",
            description = {"Run in at most F x the original's median latency on this machine (ONNX Runtime, batch 1, --threads), e.g. 0.5:",
                    "MACs targets are searched and each candidate is timed against the original in interleaved runs."})
    Double targetLatency;

    @Option(names = "--target-accuracy", paramLabel = "A",
            description = {"Keep top-1 accuracy >= A on --data (0.97 or 97%%): the smallest MACs fraction whose pruned, verified plan",
                    "still reaches A, by bisection (7 plans pruned and measured; the trials are printed)."})
    String targetAccuracyText;

    @Option(names = "--data", paramLabel = "D", description = {"Labelled data the --target-accuracy is measured on (.csv, .npy, .npz or",
            "image folder, as `lopper eval --data`); must not be the --calibration file."})
    Path accuracyData;

    @Option(names = "--accuracy-samples", paramLabel = "N", description = "Measure --target-accuracy on the first N rows of --data (default: all).")
    Long accuracySamples;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = {"ONNX Runtime intra-op threads for every latency measurement: --target-latency, --round-to auto's",
                    "latency table and the check that the written model is not slower than the original (default 1)."})
    int threads;

    @Option(names = "--allow-slower", description = {"Write the pruned model even when it runs slower than the original. By default a",
            "model of 20 M MACs or more is timed against the original after pruning (interleaved runs, --threads); if it is slower",
            "by more than 2 %%, round-to 8, 16 and auto are tried and the first that is not slower is written, else nothing."})
    boolean allowSlower;

    @Option(names = "--criterion", paramLabel = "NAME", defaultValue = "l1",
            description = {"l1 (default), l2, bn-scale, fpgm, lamp, random, obspa (Optimal Brain Surgeon with compensation),",
                    "or, measured on --calibration data: mean-activation, apoz (fraction of zeros), wanda (|W|·activation norm)",
                    "or stade (|W|·activation standard deviation)."})
    String criterion;

    @Option(names = "--reduction", paramLabel = "R", defaultValue = "mean", description = "Across parameter slices: mean (default), sum or max.")
    String reduction;

    @Option(names = "--normalization", paramLabel = "N",
            description = "Per group: none, mean, max, sum or lamp (default: mean; none for lamp).")
    String normalization;

    @Option(names = "--allocation", paramLabel = "A",
            description = {"uniform (default; global for obspa), global, or sensitivity (per-group ratios with the least",
                    "predicted damage for --target-macs/--target-params/--target-latency, from `lopper sensitivity`",
                    "measurements, cached), or calibrated (needs --calibration: per-group counts chosen greedily by the",
                    "damage measured on held-out calibration samples, each candidate compensated as the final model)."})
    String allocation;

    @Option(names = "--sensitivity-data", paramLabel = "D",
            description = "With --allocation sensitivity: samples the damage is measured on (default: seeded random inputs).")
    Path sensitivityData;

    @Option(names = "--sensitivity-samples", paramLabel = "N", defaultValue = "" + SensitivitySettings.DEFAULT_SAMPLES,
            description = "With --allocation sensitivity: samples measured (default ${DEFAULT-VALUE}).")
    int sensitivitySamples;

    @Option(names = "--round-to", paramLabel = "N|auto", defaultValue = "" + PruningSettings.DEFAULT_ROUND_TO,
            description = {"Round kept channel counts up to a multiple of N (default ${DEFAULT-VALUE}; 1 = off), or auto: per group, the",
                    "count measured fastest near the planned one (layer latency table in ONNX Runtime with --threads, cached in",
                    "$XDG_CACHE_HOME/lopper/latency per CPU, ONNX Runtime version and threads)."})
    String roundToText;

    int roundTo;

    @Option(names = "--min-channels", paramLabel = "N", defaultValue = "1", description = "Keep at least N channels per group (default 1).")
    int minChannels;

    @Option(names = "--protect", paramLabel = "NODE", arity = "1..*", description = "Leave every group touching these nodes whole.")
    List<String> protect = new ArrayList<>();

    @Option(names = "--plan", paramLabel = "PLAN.json", description = "Apply a saved plan instead of scoring.")
    Path planFile;

    @Option(names = "--save-plan", paramLabel = "PLAN.json", description = "Save the plan (with -o: the plan finally applied).")
    Path savePlan;

    @Option(names = "--save-index-map", paramLabel = "MAP.json",
            description = {"Save, for every original initializer, the indices kept on each pruned axis (JSON), to cut a",
                    "training checkpoint the same way (samples/scripts/apply_index_map.py does it for a PyTorch state_dict)."})
    Path saveIndexMap;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of random scores and verification inputs (default 0).")
    long seed;

    @Option(names = "--input-shape", paramLabel = "NAME=D1,D2,...", description = "Sizes for inputs with dynamic dims.")
    List<String> inputShapes = new ArrayList<>();

    @Option(names = "--lock-failing", description = "Leave groups whose pruning fails verification whole and apply the rest.")
    boolean lockFailing;

    @Option(names = "--calibration", paramLabel = "FILE",
            description = {"Calibration data (.csv, .npy, .npz or image folder, as `lopper eval --data`). Required by --criterion",
                    "mean-activation, apoz, wanda and stade (their activation statistics are captured on it); with --criterion obspa or",
                    "--compensate the consumers' input moments are measured on it instead of derived."})
    Path calibration;

    @Option(names = "--calibration-samples", paramLabel = "N",
            description = {"Use at most the first N samples of --calibration (default: all, streamed in batches; memory does not",
                    "grow with N). A model with a fixed batch dim is fed batches of exactly that size; the last one is padded by",
                    "repeating rows and the padding is excluded from the statistics."})
    Long calibrationSamples;

    @Option(names = "--no-compensate", description = "With --criterion obspa: score with OBSPA but do not move the surviving weights.")
    boolean noCompensate;

    @Option(names = "--compensate", description = {"OBS compensation after any criterion: move the removed channels' contribution into the",
            "surviving weights and biases of the layers that read them (OBSPA least squares). H is measured on --calibration",
            "data when given, else derived data-free from the model's BN/LayerNorm statistics. On by default with --criterion obspa."})
    boolean compensate;

    @Option(names = "--damping", paramLabel = "L", defaultValue = "0.01",
            description = "OBSPA: relative damping of H (H + L·mean diag H; default ${DEFAULT-VALUE}).")
    double damping;

    @Option(names = "--moments", paramLabel = "MODEL", defaultValue = "full",
            description = {"OBSPA without data: how the consumers' input moments are modelled. full (default): channel covariance",
                    "propagated through the graph with a spatial model between kernel taps; diagonal: independent channels and taps."})
    String moments;

    @Option(names = "--sequential", description = {"OBSPA without data, full moments (experimental): compensate consumers in graph order",
            "against the original model, with moments propagated through the already compensated layers; keeps per output",
            "row the update with the smallest predicted error. Measured worse than the default on the digits sample."})
    boolean sequential;

    @Option(names = "--steps", paramLabel = "K", defaultValue = "1",
            description = {"Progressive pruning: reach --ratio in K steps; at each step every group's candidate channels are",
                    "re-scored by the measured change of the model's outputs (on --calibration samples, else seeded random",
                    "inputs) when each is removed, and the least harmful go (default 1: one shot)."})
    int steps;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private CommandLine.ParameterException usage(String msg) {
        return new CommandLine.ParameterException(spec.commandLine(), msg);
    }

    @Override
    public Integer call() throws Exception {
        // ---- options ----
        int targets = (ratio != null ? 1 : 0) + (targetMacs != null ? 1 : 0) + (targetParams != null ? 1 : 0) + (targetLatency != null ? 1 : 0)
                + (targetAccuracyText != null ? 1 : 0);
        if (targets > 1) throw usage("give only one of --ratio, --target-macs, --target-params, --target-latency, --target-accuracy");
        if (targetAccuracyText != null) {
            try {
                targetAccuracy = parseAccuracy(targetAccuracyText);
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
            if (accuracyData == null) throw usage("--target-accuracy needs --data D (labelled rows to measure the accuracy on)");
        }
        if (accuracyData != null && targetAccuracyText == null) throw usage("--data goes with --target-accuracy A");
        if (accuracySamples != null && targetAccuracyText == null) throw usage("--accuracy-samples goes with --target-accuracy A");
        if (accuracySamples != null && accuracySamples < 1) throw usage("--accuracy-samples must be >= 1, got " + accuracySamples);
        if (targetLatency != null && !(targetLatency > 0 && targetLatency < 1)) throw usage("--target-latency must be in (0, 1), got " + targetLatency);
        if (targetLatency != null && output == null) throw usage("--target-latency needs -o OUT (candidates are timed as written)");
        if (threads < 1) throw usage("--threads must be at least 1, got " + threads);
        if (planFile != null && targets > 0) throw usage("--plan applies a saved plan; it cannot be combined with --ratio or a target");
        if (planFile == null && targets == 0) throw usage("give --ratio R, --target-macs F, --target-params F, --target-accuracy A or --plan PLAN.json");
        if (output == null && savePlan == null && saveIndexMap == null) {
            throw usage("give -o OUT (and/or --save-plan PLAN.json, --save-index-map MAP.json)");
        }
        try {
            roundTo = PruningSettings.parseRoundTo(roundToText);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (minChannels < 1) throw usage("--min-channels must be at least 1, got " + minChannels);
        PruneTarget target;
        ScoringOptions scoring;
        PruningSettings settings;
        Map<String, long[]> shapes;
        try {
            target = targetMacs != null ? PruneTarget.macs(targetMacs) : targetParams != null ? PruneTarget.params(targetParams)
                    : targetLatency != null ? PruneTarget.macs(targetLatency)
                    : targetAccuracy != null ? PruneTarget.macs(1) // the MACs fraction is searched
                    : PruneTarget.ratio(ratio == null ? 0 : ratio);
            scoring = new ScoringOptions(Criterion.parse(criterion), Reduction.parse(reduction),
                    normalization == null ? null : Normalization.parse(normalization), seed, null, false);
            boolean activations = scoring.criterion().create().needsActivations();
            if (activations && planFile == null && calibration == null) {
                throw usage("--criterion " + scoring.criterion().id() + " needs --calibration FILE (data to measure activations on)");
            }
            if (calibration != null && !activations && scoring.criterion() != Criterion.OBSPA && !compensate && steps == 1) {
                throw usage("--calibration is used by --criterion obspa or --compensate, by --criterion mean-activation, apoz, wanda"
                        + " and stade, and by --steps");
            }
            if (compensate && noCompensate) throw usage("give only one of --compensate, --no-compensate");
            if (noCompensate && scoring.criterion() != Criterion.OBSPA) throw usage("--no-compensate applies to --criterion obspa");
            if (steps < 1) throw usage("--steps must be at least 1, got " + steps);
            if (steps > 1 && (ratio == null || planFile != null)) throw usage("--steps goes with --ratio R (not a MACs/params target or --plan)");
            if (calibrationSamples != null && calibration == null) throw usage("--calibration-samples goes with --calibration FILE");
            if (calibrationSamples != null && calibrationSamples < 1) throw usage("--calibration-samples must be >= 1, got " + calibrationSamples);
            if (!(damping >= 0) || Double.isInfinite(damping)) throw usage("--damping must be a number >= 0, got " + damping);
            if (MomentModel.parse(moments) == null) throw usage("--moments must be full or diagonal, got '" + moments + "'");
            bySensitivity = "sensitivity".equalsIgnoreCase(allocation);
            if (bySensitivity && target.kind() == PruneTarget.Kind.RATIO && planFile == null) {
                throw usage("--allocation sensitivity needs --target-macs, --target-params or --target-latency");
            }
            if (sensitivitySamples < 1) throw usage("--sensitivity-samples must be at least 1, got " + sensitivitySamples);
            Allocation alloc = bySensitivity ? Allocation.UNIFORM
                    : allocation == null ? Allocation.defaultFor(scoring.criterion()) : Allocation.parse(allocation);
            settings = new PruningSettings(alloc, target, roundTo, minChannels,
                    Set.copyOf(protect), Map.of());
            shapes = GraphLoader.parseInputShapes(inputShapes);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }

        try (CliCancellation cancel = new CliCancellation(); OutputFiles out = outputs()) {
            outputs = out;
            return run(cancel.token().progress(new StderrProgress(spec.commandLine().getErr(),
                    LopperCommand.verbose(spec.commandLine()))), scoring, settings, target, shapes);
        }
    }

    /** Compensation was asked for (set by {@link #run}); what it did is in {@link #done}. */
    private boolean compensating;
    private PruneResult done;

    /** Every output (-o, its .data, --save-plan) checked against the inputs and each other before any work. */
    private OutputFiles outputs() {
        OutputFiles out = new OutputFiles().input(model, "model").input(planFile, "plan").input(calibration, "calibration data")
                .input(sensitivityData, "sensitivity data").input(accuracyData, "accuracy data");
        try {
            if (output != null) {
                out.claim(output, dev.lopper.onnx.ModelWriter.ROLE_MODEL);
                if (output.getFileName() != null) {
                    out.claim(output.resolveSibling(output.getFileName() + ".data"), dev.lopper.onnx.ModelWriter.ROLE_DATA);
                }
            }
            if (savePlan != null) out.claim(savePlan, "plan");
            if (saveIndexMap != null) out.claim(saveIndexMap, "index map");
        } catch (ModelWriteException e) {
            out.close();
            throw usage(e.getMessage());
        }
        return out;
    }

    private OutputFiles outputs;
    private boolean bySensitivity;
    private LatencySearch.Result latency;
    private Sensitivity.Allocated sensitivity;
    private DamageProbe.Damage sensitivityMeasured;

    /** How the calibration data was fed (samples, batch, padding), for the report; null without calibration. */
    private String calibrationFeed;

    /** Samples per ONNX Runtime run while capturing activation statistics on --calibration data. */
    static final int CALIBRATION_BATCH = PruneRequest.CALIBRATION_BATCH;

    private int run(Progress progress, ScoringOptions scoring, PruningSettings settings, PruneTarget target,
                    Map<String, long[]> shapes) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try {
            VerifyOptions vo = VerifyOptions.DEFAULT;
            vo = new VerifyOptions(vo.session(), ShapePolicy.of(shapes, 1), vo.ints(), seed, 0);
            // with -o the original's verification run starts in the background as soon as the file is read
            session = PruningSession.open(model, shapes, progress, output != null ? vo : null);
            PruningSession s = session;
            s.setLatencyThreads(threads);
            if (output != null && !allowSlower && targetLatency == null && s.before().macs() >= NeverSlower.MIN_MACS) {
                earlyMeter = NeverSlower.OrtMeter.early(s, shapes, threads, seed); // the never-slower check's sessions, ahead
            }
            for (Path p : s.model().externalDataFiles()) outputs.input(p, "model's external data file");
            if (output != null) outputs.claim(output, dev.lopper.onnx.ModelWriter.ROLE_MODEL); // now also vs its external data
            if (savePlan != null) outputs.claim(savePlan, "plan");
            for (String p : protect) {
                if (s.graph().node(p) == null) throw usage("--protect names node '" + p + "', which " + model + " does not have");
            }
            // the options become one request; the session (the same the app uses) plans, compensates, verifies,
            // leaves failing groups whole, recounts and corrects a missed target
            PruningPlan saved = planFile != null ? s.readPlan(planFile) : null;
            boolean obspa = saved == null ? scoring.criterion() == Criterion.OBSPA
                    : Criterion.OBSPA.id().equals(saved.settings().criterion());
            compensating = (obspa || compensate) && !noCompensate;
            PruneRequest request = new PruneRequest(scoring, settings, compensating, calibration, damping, vo, lockFailing)
                    .withMoments(MomentModel.parse(moments), sequential)
                    .withCalibrationSamples(calibrationSamples == null ? dev.lopper.runtime.CalibrationData.ALL : calibrationSamples)
                    .withSteps(steps);
            PlanResult planned = saved != null ? s.planOf(saved, request)
                    : targetAccuracy != null ? accuracyPlan(s, request, shapes, progress)
                    : bySensitivity || targetLatency != null ? decide(s, request, shapes, progress) : s.plan(request, progress);
            if (calibration != null) calibrationFeed = describeFeed(planned.scoring().stats());
            if (saved == null && roundTo == PruningSettings.ROUND_TO_AUTO && s.channelCounts() instanceof HardwareCounts h) table = h.table();
            PruningPlan plan = planned.plan();
            ModelCost after = planned.after();
            PlanExecution.Outcome outcome = null;
            if (output != null) {
                done = accuracy != null ? accuracy.chosen() : s.prune(planned, progress);
                outcome = done.outcome();
                if (!done.verified()) throw new CliException(failure(outcome));
                if (targetLatency == null) done = notSlower(s, done, request, saved != null || accuracy != null, shapes, progress);
                outcome = done.outcome();
                plan = done.plan();
                after = done.after();
                progress.update("writing " + output.getFileName(), 0, 1);
                s.stage(outcome, output, outputs, progress);
            }
            if (savePlan != null) PlanFiles.stage(plan, savePlan, outputs);
            if (saveIndexMap != null) {
                String map = dev.lopper.prune.KeptIndexMap.of(s.analysis(), s.model().proto().getGraph(), plan)
                        .toJson(model.getFileName().toString(), s.sha256());
                byte[] bytes = map.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                outputs.write(saveIndexMap, "index map", os -> os.write(bytes));
            }
            if (sensitivity != null) sensitivityMeasured = Sensitivity.measure(s, sensitivitySettings(shapes), sensitivityData, plan.groups(), progress);
            outputs.commit(); // nothing is in place before every output was written
            progress.update("done", 1, 1);
            if (json) out.println(json(s, plan, after, outcome));
            else out.print(text(s, plan, after, outcome));
            out.flush();
            return 0;
        } catch (dev.lopper.task.CancelledException e) {
            throw new CliException("cancelled; nothing written");
        } catch (PlanException | EvalException e) {
            throw new CliException(e.getMessage(), e);
        } catch (ModelWriteException e) {
            throw new CliException(e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CliException(model + ": " + e.getMessage(), e);
        } finally {
            if (earlyMeter != null) earlyMeter.close();
            if (session != null) session.close();
        }
    }

    private PruningSession session;
    /** The never-slower check's meter, opened while the model is analyzed (with -o, when the check will run). */
    private NeverSlower.EarlyMeter earlyMeter;

    /** What the never-slower check did: null when it did not run; {@link #speedSkipped} says why. */
    private NeverSlower.Outcome speed;
    /** The latency table --round-to auto chose counts from (null otherwise). */
    private LatencyTable table;
    private String speedSkipped;

    /**
     * Times the verified model against the original and, when it is slower, re-plans with other channel roundings
     * (dev.lopper.prune.latency.NeverSlower); refuses when none is faster unless --allow-slower.
     */
    private PruneResult notSlower(PruningSession s, PruneResult first, PruneRequest request, boolean savedPlan, Map<String, long[]> shapes,
                                  Progress progress) throws Exception {
        NeverSlower.Guarded g = NeverSlower.guard(s, first, request, allowSlower, "not timed (--allow-slower)", !savedPlan,
                r -> bySensitivity ? decide(s, r, shapes, progress) : s.plan(r, progress), NeverSlower.MIN_MACS,
                earlyMeter != null ? earlyMeter::take : () -> new NeverSlower.OrtMeter(s, shapes, threads, seed), progress);
        speedSkipped = g.skipped();
        speed = g.outcome();
        if (g.refused()) throw new CliException(g.refusal(model, threads, "--allow-slower writes it anyway"));
        return g.chosen();
    }

    private String speedText() {
        if (speedSkipped != null) return "speed      " + speedSkipped + "\n";
        if (speed == null) return "";
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "speed      %s with %d thread%s%n", speed.chosenAttempt().timing().describe(),
                threads, threads == 1 ? "" : "s"));
        if (speed.attempts().size() > 1) {
            for (NeverSlower.Attempt a : speed.attempts()) {
                b.append("           ").append(a == speed.chosenAttempt() ? "chosen  " : "slower  ").append(a.describe()).append('\n');
            }
        }
        return b.toString();
    }

    /** How calibration data was fed to what the plan scored with (OBSPA moments or activation statistics). */
    private static String describeFeed(Object stats) {
        if (stats instanceof dev.lopper.prune.obspa.GraphObspaSource src) return src.describe();
        if (stats instanceof dev.lopper.prune.CapturedActivations a && a.feed() != null) return "activations on " + a.feed().describe();
        return null;
    }

    /**
     * --allocation sensitivity and --target-latency: the plan from the sensitivity allocator and/or the latency search
     * (dev.lopper.prune.sensitivity, dev.lopper.prune.latency); applied as it is (no uniform re-planning of a target).
     */
    private PlanResult decide(PruningSession s, PruneRequest request, Map<String, long[]> shapes, Progress progress) throws Exception {
        TargetDecision.Decision d = TargetDecision.decide(s, request, new TargetDecision.Options(bySensitivity, targetLatency, threads,
                sensitivitySettings(shapes), sensitivityData, SensitivityCache.standard()), shapes, progress);
        latency = d.latency();
        sensitivity = d.sensitivity();
        if (d.planned() == null) {
            throw new CliException(String.format(Locale.ROOT, "no plan tried ran faster than the original %s with %d thread%s%s; nothing written",
                    model, threads, threads == 1 ? "" : "s", latencyTrials()));
        }
        return d.planned();
    }

    private Double targetAccuracy;
    private AccuracySearch.Result accuracy;

    /** "0.97", "97%" or "97 %" → 0.97; in (0, 1] (top-1 accuracy cannot exceed 100 %). */
    static double parseAccuracy(String text) {
        String t = text.trim().replace(" ", "");
        boolean percent = t.endsWith("%");
        double v;
        try {
            v = percent ? Double.parseDouble(t.substring(0, t.length() - 1)) / 100 : Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--target-accuracy must be a number like 0.97 or 97%, got '" + text + "'");
        }
        if (!(v > 0 && v <= 1)) {
            throw new IllegalArgumentException("--target-accuracy must be in (0, 1] (a fraction, or a percentage like 97%): top-1 accuracy"
                    + " cannot exceed 100%, got '" + text + "'");
        }
        return v;
    }

    /** --target-accuracy: the smallest MACs fraction whose pruned plan keeps the accuracy on --data (dev.lopper.prune.latency.AccuracySearch). */
    private PlanResult accuracyPlan(PruningSession s, PruneRequest request, Map<String, long[]> shapes, Progress progress) throws Exception {
        accuracy = AccuracySearch.search(s, request, new TargetDecision.Options(bySensitivity, null, threads,
                        bySensitivity ? sensitivitySettings(shapes) : null, sensitivityData, bySensitivity ? SensitivityCache.standard() : null),
                new AccuracySearch.Options(targetAccuracy, accuracyData, accuracySamples == null ? Long.MAX_VALUE : accuracySamples,
                        AccuracySearch.DEFAULT_STEPS), shapes, progress);
        if (!accuracy.met()) throw new CliException(accuracy.message() + "; nothing written" + accuracyTrials());
        return accuracy.planned();
    }

    private String accuracyTrials() {
        StringBuilder b = new StringBuilder();
        for (AccuracySearch.Trial t : accuracy.trials()) {
            b.append(String.format(Locale.ROOT, "%n  trial: %s%s", t.describe(), t == accuracy.chosenTrial() ? "  (chosen)" : ""));
        }
        return b.toString();
    }

    private String accuracyText() {
        return String.format(Locale.ROOT, "accuracy   target >= %.2f%% top-1 on %s: met, %.2f%% at %.1f%% of MACs (original %.2f%%)%s%n",
                100 * targetAccuracy, accuracy.rows(), 100 * accuracy.chosenTrial().accuracy(), 100 * accuracy.chosenTrial().macsFraction(),
                100 * accuracy.originalAccuracy(), accuracyTrials());
    }

    private SensitivitySettings sensitivitySettings(Map<String, long[]> shapes) {
        return TargetDecision.sensitivitySettings(Criterion.parse(criterion), sensitivitySamples, seed, sensitivityData, shapes);
    }

    private String latencyTrials() {
        StringBuilder b = new StringBuilder();
        for (LatencySearch.Trial t : latency.trials()) {
            b.append(String.format(Locale.ROOT, "%n  trial: round-to %s, MACs target %.1f%% -> %.1f%% of MACs, %.2f ms vs original %.2f ms = %.3fx%s",
                    PruningSettings.describeRoundTo(t.roundTo()), 100 * t.macsTarget(), 100 * t.macsFraction(), t.prunedMs(), t.originalMs(), t.fraction(),
                    t == latency.chosenTrial() ? "  (chosen)" : ""));
        }
        return b.toString();
    }

    private String sensitivityText() {
        var t = sensitivity.table();
        boolean acc = t.result().metric().equals("accuracy");
        String what = acc ? "accuracy drop" : "relative L2 error";
        return String.format(Locale.ROOT, "sensitivity %s on %d samples: predicted %.4f, measured %.4f (without compensation)%s; table %s%n",
                what, t.result().settings().samples(), sensitivity.result().predictedDamage(),
                sensitivityMeasured == null ? Double.NaN : sensitivityMeasured.damage(),
                acc && sensitivityMeasured != null ? String.format(Locale.ROOT, ", accuracy %.1f%% (original %.1f%%)",
                        100 * sensitivityMeasured.accuracy(), 100 * t.result().baselineAccuracy()) : "",
                t.cached() ? "from the cache " + t.cacheFile() : String.format(Locale.ROOT, "measured in %.1f s", t.result().seconds()));
    }

    private void sensitivityJson(ObjectNode n) {
        var t = sensitivity.table();
        n.put("metric", t.result().metric());
        n.put("samples", t.result().settings().samples());
        n.put("predictedDamage", sensitivity.result().predictedDamage());
        if (sensitivityMeasured != null) {
            n.put("measuredDamage", sensitivityMeasured.damage());
            n.put("relL2", sensitivityMeasured.relL2());
            n.put("cosine", sensitivityMeasured.cosine());
            if (Double.isFinite(sensitivityMeasured.accuracy())) n.put("accuracy", sensitivityMeasured.accuracy());
        }
        n.put("cached", t.cached());
        ObjectNode r = n.putObject("ratios");
        sensitivity.result().ratios().forEach(r::put);
    }

    private String failure(PlanExecution.Outcome o) {
        String problem = brief(o.verification().problem());
        if (o.failing().isEmpty()) return "the pruned model fails verification, nothing written: " + problem;
        List<String> parts = new ArrayList<>();
        o.failing().forEach((id, why) -> parts.add(brief(why).equals(problem) ? id : id + " (" + brief(why) + ")"));
        boolean one = parts.size() == 1;
        return "the pruned model fails verification, nothing written: " + problem + "; responsible group" + (one ? "" : "s")
                + ": " + String.join(", ", parts) + "; --lock-failing leaves " + (one ? "it" : "them") + " whole";
    }

    /** ONNX Runtime nests its messages; keep the innermost one without the source path. */
    static String brief(String problem) {
        if (problem == null) return "unknown problem";
        String p = problem;
        int i = p.lastIndexOf("Status Message:");
        if (i >= 0) {
            String head = p.substring(0, p.indexOf(':') + 1);
            String inner = p.substring(i + "Status Message:".length()).trim();
            inner = inner.replaceFirst("^/\\S*onnxruntime_src/\\S+ ", "").replaceFirst("^virtual \\S+ \\S+::Compute\\([^)]*\\) const ", "");
            p = head + " " + inner;
        }
        return p.strip();
    }

    private String text(PruningSession s, PruningPlan plan, ModelCost after, PlanExecution.Outcome o) {
        StringBuilder b = new StringBuilder();
        ModelCost before = s.before();
        var set = plan.settings();
        b.append(String.format(Locale.ROOT, "model      %s%n", model));
        b.append(String.format(Locale.ROOT, "plan       %s, reduction %s, normalization %s, %s allocation, ratio %.4f, round-to %s%n",
                set.criterion(), set.reduction(), set.normalization(), set.pruning().allocation().id(), set.ratioUsed(),
                PruningSettings.describeRoundTo(set.pruning().roundTo())));
        b.append(String.format(Locale.ROOT, "%-10s %15s %18s%n", "", "params", "MACs"));
        b.append(String.format(Locale.ROOT, "%-10s %,15d %,18d%n", "before", before.params(), before.macs()));
        b.append(String.format(Locale.ROOT, "%-10s %,15d %,18d   (%.1f%% of params, %.1f%% of MACs%s)%n", "after",
                after.params(), after.macs(), 100 * after.paramsFraction(before), 100 * after.macsFraction(before),
                o == null ? ", estimated" : ""));
        int idw = 12;
        for (CoupledGroup g : s.groups()) if (g.isPrunable()) idw = Math.max(idw, Math.min(60, g.id().length()));
        b.append(String.format(Locale.ROOT, "%-" + idw + "s %8s%n", "GROUP", "KEPT"));
        int locked = 0;
        for (CoupledGroup g : s.groups()) {
            if (!g.isPrunable()) {
                locked++;
                continue;
            }
            String note = o != null && o.failing().containsKey(g.id()) ? "   left whole: " + brief(o.failing().get(g.id())) : "";
            b.append(String.format(Locale.ROOT, "%-" + idw + "s %8s%s%n", g.id(), plan.keptCount(g.id(), g.channels()) + "/" + g.channels(), note));
        }
        if (locked > 0) b.append(locked).append(" locked group").append(locked > 1 ? "s" : "").append(" left whole (see `lopper groups`)\n");
        PruningPlan applied = o != null ? o.plan() : plan;
        var caches = s.resizedCaches(applied);
        for (var e : caches.entrySet()) {
            boolean input = s.graph().inputs().contains(e.getKey());
            b.append(String.format(Locale.ROOT, "kv cache   %s %s is now %s (was %s)%s%n", input ? "input" : "output",
                    e.getKey(), e.getValue(), s.graph().shape(e.getKey()),
                    input ? ": callers must feed caches of the new shape" : ""));
        }
        if (o != null) {
            double worst = o.verification().maxAbsDiff().values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
            double rel = o.verification().relL2().values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
            b.append(String.format(Locale.ROOT, "verified   ONNX Runtime runs it; outputs keep their shapes%s (on seeded inputs: max |Δ| %.4g,"
                    + " relative L2 error %.4f%s)%n", caches.isEmpty() ? "" : " but the KV caches'", worst, rel, compensating ? ", OBS-compensated" : ""));
            if (done != null && done.compensation() != null) {
                var c = done.compensation();
                b.append(String.format(Locale.ROOT, "compensated %d consumer layer%s (OBSPA least squares%s)%s%n", c.compensated().size(),
                        c.compensated().size() == 1 ? "" : "s",
                        (c.remeasured() > 0 ? ", " + c.remeasured() + " with inputs re-measured after the layers before them" : "") + c.note(),
                        c.skipped().isEmpty() ? "" : "; not compensated: " + c.skipped()));
            }
            b.append(speedText());
            b.append("wrote      ").append(output).append('\n');
        }
        if (savePlan != null) b.append("plan saved ").append(savePlan).append('\n');
        if (saveIndexMap != null) b.append("index map  ").append(saveIndexMap).append('\n');
        if (calibrationFeed != null) b.append("calibration ").append(calibrationFeed).append('\n');
        if (s.calibratedTrace() != null) b.append("allocation ").append(s.calibratedTrace().describe()).append('\n');
        if (table != null) {
            b.append(String.format(Locale.ROOT, "round-to   auto: %d channel counts timed now, %d taken from the latency table %s (%s)%n",
                    table.measured(), table.reused(), table.file(), table.machineDescription()));
        }
        if (sensitivity != null) b.append(sensitivityText());
        if (accuracy != null) b.append(accuracyText());
        if (latency != null) {
            b.append(String.format(Locale.ROOT, "latency    target %.2fx of the original with %d thread%s: %s%s%n", targetLatency, threads,
                    threads == 1 ? "" : "s", latency.met() ? "met" : "NOT met, wrote the fastest plan tried (faster than the original)",
                    latencyTrials()));
        }
        return b.toString();
    }

    private String json(PruningSession s, PruningPlan plan, ModelCost after, PlanExecution.Outcome o) throws Exception {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = m.createObjectNode();
        root.put("model", model.toString());
        root.put("sha256", s.sha256());
        ObjectNode b = root.putObject("before");
        b.put("params", s.before().params());
        b.put("macs", s.before().macs());
        ObjectNode a = root.putObject("after");
        a.put("params", after.params());
        a.put("macs", after.macs());
        a.put("estimated", o == null);
        var set = plan.settings();
        ObjectNode p = root.putObject("plan");
        p.put("criterion", set.criterion());
        p.put("reduction", set.reduction());
        p.put("normalization", set.normalization());
        p.put("allocation", set.pruning().allocation().id());
        p.put("ratio", set.ratioUsed());
        if (set.pruning().roundTo() == PruningSettings.ROUND_TO_AUTO) p.put("roundTo", "auto");
        else p.put("roundTo", set.pruning().roundTo());
        p.put("compensated", compensating);
        ArrayNode groups = root.putArray("groups");
        for (CoupledGroup g : s.groups()) {
            ObjectNode n = groups.addObject();
            n.put("id", g.id());
            n.put("channels", g.channels());
            n.put("kept", plan.keptCount(g.id(), g.channels()));
            n.put("status", g.status());
            if (o != null && o.failing().containsKey(g.id())) n.put("leftWhole", o.failing().get(g.id()));
        }
        ObjectNode caches = root.putObject("resizedCaches");
        s.resizedCaches(o != null ? o.plan() : plan).forEach(caches::put);
        root.put("verified", o != null && o.verified());
        if (speedSkipped != null) root.putObject("speed").put("timed", false).put("note", speedSkipped);
        else if (speed != null) {
            ObjectNode sp = root.putObject("speed");
            sp.put("timed", true);
            sp.put("threads", threads);
            ArrayNode at = sp.putArray("attempts");
            for (NeverSlower.Attempt x : speed.attempts()) {
                ObjectNode n = at.addObject();
                n.put("roundTo", PruningSettings.describeRoundTo(x.roundTo()));
                n.put("originalMs", x.timing().originalMs());
                n.put("prunedMs", x.timing().prunedMs());
                n.put("fraction", x.timing().fraction());
                n.put("pairs", x.timing().pairs());
                n.put("chosen", x == speed.chosenAttempt());
            }
        }
        if (sensitivity != null) sensitivityJson(root.putObject("sensitivity"));
        if (accuracy != null) {
            ObjectNode l = root.putObject("accuracy");
            l.put("target", targetAccuracy);
            l.put("rows", accuracy.rows());
            l.put("samples", accuracy.samples());
            l.put("original", accuracy.originalAccuracy());
            l.put("accuracy", accuracy.chosenTrial().accuracy());
            ArrayNode tr = l.putArray("trials");
            for (AccuracySearch.Trial t : accuracy.trials()) {
                ObjectNode n = tr.addObject();
                n.put("macsTarget", t.target());
                n.put("macs", t.macsFraction());
                n.put("params", t.paramsFraction());
                if (t.verified()) n.put("accuracy", t.accuracy());
                n.put("meets", t.meets());
                n.put("chosen", t == accuracy.chosenTrial());
            }
        }
        if (latency != null) {
            ObjectNode l = root.putObject("latency");
            l.put("target", targetLatency);
            l.put("threads", threads);
            l.put("met", latency.met());
            ArrayNode tr = l.putArray("trials");
            for (LatencySearch.Trial t : latency.trials()) {
                ObjectNode n = tr.addObject();
                n.put("roundTo", PruningSettings.describeRoundTo(t.roundTo()));
                n.put("macsTarget", t.macsTarget());
                n.put("macs", t.macsFraction());
                n.put("originalMs", t.originalMs());
                n.put("prunedMs", t.prunedMs());
                n.put("fraction", t.fraction());
                n.put("chosen", t == latency.chosenTrial());
            }
        }
        if (done != null && done.compensation() != null) {
            ObjectNode c = root.putObject("compensation");
            ArrayNode layers = c.putArray("layers");
            done.compensation().compensated().forEach(layers::add);
            ObjectNode sk = c.putObject("skipped");
            done.compensation().skipped().forEach(sk::put);
            c.put("remeasured", done.compensation().remeasured());
        }
        if (o != null) {
            ObjectNode fid = root.putObject("fidelity");
            o.verification().maxAbsDiff().forEach((name, d) -> {
                ObjectNode f = fid.putObject(name);
                f.put("maxAbs", d);
                f.put("relL2", o.verification().relL2().getOrDefault(name, Double.NaN));
                f.put("cosine", o.verification().cosine().getOrDefault(name, Double.NaN));
            });
        }
        if (output != null) root.put("output", output.toString());
        else root.putNull("output");
        if (savePlan != null) root.put("savedPlan", savePlan.toString());
        if (saveIndexMap != null) root.put("savedIndexMap", saveIndexMap.toString());
        if (calibrationFeed != null) root.put("calibration", calibrationFeed);
        if (s.calibratedTrace() != null) {
            var t = s.calibratedTrace();
            ObjectNode ca = root.putObject("calibratedAllocation");
            ca.put("moves", t.steps());
            ca.put("measured", t.measured());
            ca.put("heldOut", t.heldOut());
            ca.put("fitted", t.fitted());
            ca.put("damage", t.damage());
            ca.put("chosen", t.chosen());
            ObjectNode alt = ca.putObject("alternatives");
            t.alternatives().forEach(alt::put);
        }
        if (table != null) {
            ObjectNode lt = root.putObject("latencyTable");
            lt.put("file", String.valueOf(table.file()));
            lt.put("machine", table.machineDescription());
            lt.put("timed", table.measured());
            lt.put("reused", table.reused());
        }
        return m.writeValueAsString(root);
    }

    /** Stage changes and at most 4 updates a second, on stderr. */
    static final class StderrProgress implements Progress {
        private final PrintWriter err;
        private String last = "";
        private long lastAt;
        /** With --verbose each line starts with the seconds since the JVM started: a phase timer. */
        private final boolean timed;

        StderrProgress(PrintWriter err) { this(err, false); }

        /**
         * Progress lines go to a terminal only (otherwise stderr holds just the one-line error, if any); with
         * {@code timed} (--verbose) they are always shown, each starting with the seconds since the JVM started.
         */
        StderrProgress(PrintWriter err, boolean timed) {
            this.err = timed || System.console() != null ? err : null;
            this.timed = timed;
        }

        @Override
        public void update(String message, double done, double total) {
            if (err == null) return;
            long now = System.nanoTime();
            if (message.equals(last) && now - lastAt < 250_000_000L) return;
            if (!message.equals(last) || total > 1) {
                if (timed) err.printf(Locale.ROOT, "[%7.3f s, cpu %7.3f s] ", LopperCommand.uptimeSeconds(), LopperCommand.cpuSeconds());
                err.printf(Locale.ROOT, "lopper: %s%s%n", message, total > 1 ? String.format(Locale.ROOT, " %3.0f%%", 100 * done / total) : "");
                err.flush();
            }
            last = message;
            lastAt = now;
        }

        @Override
        public boolean isCancelled() { return false; }
    }
}
