package dev.lopper.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.lopper.eval.DataEvalResult;
import dev.lopper.eval.DataEvaluation;
import dev.lopper.runtime.DataOptions;
import dev.lopper.runtime.Dataset;
import dev.lopper.runtime.Datasets;
import dev.lopper.runtime.EvalException;
import dev.lopper.runtime.EvalSession;
import dev.lopper.runtime.HostTensor;
import dev.lopper.runtime.ImageOptions;
import dev.lopper.runtime.LabelColumn;
import dev.lopper.runtime.LatencyBenchmark;
import dev.lopper.runtime.LatencyListener;
import dev.lopper.runtime.LatencyOptions;
import dev.lopper.runtime.LatencyStats;
import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.NodeProfile;
import dev.lopper.runtime.NodeProfiler;
import dev.lopper.runtime.NodeTime;
import dev.lopper.runtime.OutputFidelity;
import dev.lopper.runtime.RandomInputs;
import dev.lopper.runtime.SessionConfig;
import dev.lopper.runtime.ShapePolicy;
import dev.lopper.task.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lopper eval MODEL}: latency always (seeded random inputs), accuracy when the data has labels,
 * fidelity when a reference model is given (on the data, or on random batches without data), and an
 * optional per-node profile.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Measure a model with ONNX Runtime: latency, accuracy (with labelled --data), fidelity (with --reference).",
                "Data: .csv (label,f0,f1,... in the input's row-major order; header auto-detected), .npy (+ --labels y.npy),"
                        + " .npz (arrays x/y or named like the inputs), or a folder with one subfolder per class of images."})
public final class EvalCommand extends MeasureCommand {
    /** Random batches compared for fidelity when no data is given. */
    static final int RANDOM_FIDELITY_BATCHES = 8;

    @Parameters(index = "0", paramLabel = "MODEL", description = "ONNX model to evaluate.")
    Path model;

    @Option(names = "--reference", paramLabel = "ORIG", description = "Original model: report fidelity of MODEL against it.")
    Path reference;

    @Option(names = "--data", paramLabel = "FILE|DIR", description = "Data set (.csv, .npy, .npz or image folder).")
    Path data;

    @Option(names = "--labels", paramLabel = "Y.npy", description = "Labels for an .npy --data file.")
    Path labels;

    @Option(names = "--label-column", paramLabel = "first|last|none", defaultValue = "FIRST",
            description = "Where a CSV row keeps its label: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    LabelColumn labelColumn;

    @Option(names = "--image-size", paramLabel = "W,H", description = "Image size (default: the model input's, 224 if symbolic).")
    String imageSize;

    @Option(names = "--resize", paramLabel = "MODE", defaultValue = "STRETCH",
            description = "Image resize: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    ImageOptions.ResizeMode resize;

    @Option(names = "--channel-order", paramLabel = "RGB|BGR", defaultValue = "RGB", description = "Image channel order (default: RGB).")
    ImageOptions.ChannelOrder channelOrder;

    @Option(names = "--scale", paramLabel = "S", defaultValue = "0.00392156862745098",
            description = "Pixel (0..255) multiplier before mean/std (default: 1/255).")
    double scale;

    @Option(names = "--mean", paramLabel = "M[,M,M]", description = "Per-channel mean subtracted after scaling (default 0;"
            + " ImageNet: 0.485,0.456,0.406).")
    String mean;

    @Option(names = "--std", paramLabel = "S[,S,S]", description = "Per-channel std (default 1; ImageNet: 0.229,0.224,0.225).")
    String std;

    @Option(names = "--profile", description = "Per-node ONNX Runtime profile (BASIC optimization, so names match the graph).")
    boolean profile;

    @Option(names = "--top", paramLabel = "N", defaultValue = "15", description = "Profile rows printed (default: ${DEFAULT-VALUE}).")
    int top;

    private NodeProfile profiled;

    @Override
    int run(CliCancellation cancel) {
        PrintWriter out = spec.commandLine().getOut();
        SessionConfig config = options.sessionConfig();
        ShapePolicy shapes = options.shapePolicy();
        LatencyOptions latencyOptions = new LatencyOptions(options.warmup, options.runs);
        Progress progress = cancel.token().progress(Progress.NONE);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", model.toString());
        try (EvalSession session = EvalSession.open(ModelSource.of(model), config);
             EvalSession ref = reference == null ? null : EvalSession.open(ModelSource.of(reference), config)) {
            session.cancelOn(cancel.token());
            if (ref != null) ref.cancelOn(cancel.token());
            Map<String, HostTensor> inputs = RandomInputs.forSession(session, shapes, options.intRange(), options.seed);
            LatencyStats lat = LatencyBenchmark.measure(session, inputs, latencyOptions, LatencyListener.NONE, progress);
            result.put("inputs", describeInputs(session.inputs(), inputs));
            result.put("latency", latencyJson(lat, config.intraOpThreads()));

            DataEvalResult evaluated = null;
            String fidelitySource = null;
            if (labels != null && (data == null || !data.getFileName().toString().toLowerCase().endsWith(".npy"))) {
                throw new EvalException("--labels goes with an .npy --data file (CSV, .npz and image folders carry their labels)");
            }
            if (data != null) {
                DataOptions dataOptions = new DataOptions(labelColumn, labels, imageOptions());
                try (Dataset ds = Datasets.open(data, dataOptions, session.inputs(), shapes.withBatchSize(1))) {
                    evaluated = DataEvaluation.run(session, ref, ds, config.batchSize(), progress);
                }
                fidelitySource = data.toString();
            } else if (ref != null) {
                evaluated = DataEvaluation.randomFidelity(session, ref, shapes, options.intRange(), options.seed,
                        RANDOM_FIDELITY_BATCHES, progress);
                fidelitySource = RANDOM_FIDELITY_BATCHES + " seeded random batches";
            }
            if (evaluated != null && evaluated.accuracy() != null) {
                Map<String, Object> acc = new LinkedHashMap<>();
                acc.put("top1", num(evaluated.accuracy().top1()));
                acc.put("top5", num(evaluated.accuracy().top5()));
                acc.put("samples", evaluated.accuracy().samples());
                acc.put("top1Correct", evaluated.accuracy().top1Correct());
                acc.put("top5Correct", evaluated.accuracy().top5Correct());
                acc.put("output", evaluated.accuracyOutput());
                acc.put("data", data.toString());
                if (evaluated.feed() != null) acc.put("batches", evaluated.feed().describe());
                result.put("accuracy", acc);
            }
            if (evaluated != null && evaluated.fidelity() != null) {
                Map<String, Object> fid = new LinkedHashMap<>();
                for (OutputFidelity f : evaluated.fidelity()) {
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("cosine", num(f.cosine()));
                    o.put("relL2", num(f.relL2()));
                    o.put("maxAbs", num(f.maxAbs()));
                    o.put("top1Agreement", f.hasTop1Agreement() ? num(f.top1Agreement()) : null);
                    o.put("elements", f.elements());
                    fid.put(f.output(), o);
                }
                result.put("fidelity", fid);
                result.put("fidelityReference", reference.toString());
                result.put("fidelityInputs", fidelitySource);
                result.put("fidelitySamples", evaluated.samples());
            }
            if (profile) {
                NodeProfile p = NodeProfiler.profile(ModelSource.of(model), config, inputs, latencyOptions, cancel.token(), progress);
                Map<String, Object> prof = new LinkedHashMap<>();
                prof.put("optimization", "BASIC");
                prof.put("runs", p.runs());
                prof.put("meanRunMicros", num(p.meanRunMicros()));
                prof.put("nodes", p.nodes().stream().map(n -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("node", n.node());
                    m.put("opType", n.opType());
                    m.put("micros", num(n.micros()));
                    return m;
                }).toList());
                result.put("profile", prof);
                profiled = p;
            }
        }
        if (json) JsonOutput.print(out, result);
        else {
            printText(out, result);
            if (profiled != null) printProfile(out, profiled);
        }
        out.flush();
        return 0;
    }

    private ImageOptions imageOptions() {
        int w = 0, h = 0;
        if (imageSize != null) {
            String[] p = imageSize.split(",");
            try {
                if (p.length != 2) throw new NumberFormatException();
                w = Integer.parseInt(p[0].trim());
                h = Integer.parseInt(p[1].trim());
            } catch (NumberFormatException e) {
                throw new EvalException("--image-size '" + imageSize + "': expected W,H (e.g. 224,224)");
            }
        }
        return new ImageOptions(w, h, resize, channelOrder, scale, doubles(mean, "--mean", 0), doubles(std, "--std", 1));
    }

    static double[] doubles(String text, String option, double dflt) {
        if (text == null) return new double[] {dflt};
        String[] p = text.split(",");
        double[] v = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            try {
                v[i] = Double.parseDouble(p[i].trim());
            } catch (NumberFormatException e) {
                throw new EvalException(option + " '" + text + "': '" + p[i].trim() + "' is not a number");
            }
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    private void printText(PrintWriter out, Map<String, Object> r) {
        out.println("model: " + r.get("model"));
        ((Map<String, Object>) r.get("inputs")).forEach((k, v) -> out.println("  input " + k + ": " + v));
        Map<String, Object> l = (Map<String, Object>) r.get("latency");
        out.printf("latency: median %.3f ms  p10 %.3f  p90 %.3f  mean %.3f  (%d runs, %d threads, batch %d, %.1f samples/s)%n",
                l.get("medianMs"), l.get("p10Ms"), l.get("p90Ms"), l.get("meanMs"), l.get("runs"), l.get("threads"),
                l.get("batch"), l.get("throughputPerSec"));
        Map<String, Object> a = (Map<String, Object>) r.get("accuracy");
        if (a != null) {
            out.printf("accuracy on %s (output '%s'): top-1 %s (%d/%d)  top-5 %s (%d/%d)%n", a.get("data"), a.get("output"),
                    pct(a.get("top1")), a.get("top1Correct"), a.get("samples"), pct(a.get("top5")), a.get("top5Correct"), a.get("samples"));
            if (a.get("batches") != null) out.println("  fed " + a.get("batches"));
        }
        Map<String, Object> f = (Map<String, Object>) r.get("fidelity");
        if (f != null) {
            out.printf("fidelity against %s on %s (%d samples):%n", r.get("fidelityReference"), r.get("fidelityInputs"), r.get("fidelitySamples"));
            f.forEach((name, v) -> {
                Map<String, Object> o = (Map<String, Object>) v;
                out.printf("  %s: cosine %s  relL2 %s  maxAbs %s%s%n", name, fmt(o.get("cosine")), fmt(o.get("relL2")), fmt(o.get("maxAbs")),
                        o.get("top1Agreement") == null ? "" : "  top-1 agreement " + pct(o.get("top1Agreement")));
            });
        }
    }

    private void printProfile(PrintWriter out, NodeProfile p) {
        out.printf("profile (BASIC optimization, mean of %d runs, %.1f µs per run, kernels %.1f µs):%n",
                p.runs(), p.meanRunMicros(), p.kernelMicros());
        int shown = 0;
        for (NodeTime n : p.nodes()) {
            if (shown++ >= top) break;
            out.printf("  %-40s %-20s %10.1f µs  %5.1f%%%n", n.node(), n.opType(), n.micros(), 100 * n.micros() / p.kernelMicros());
        }
        if (p.nodes().size() > top) out.println("  ... " + (p.nodes().size() - top) + " more nodes (--top N, or --json)");
    }

    static String pct(Object v) { return v == null ? "n/a" : String.format("%.2f%%", 100 * ((Number) v).doubleValue()); }

    static String fmt(Object v) { return v == null ? "n/a" : String.format("%.6g", ((Number) v).doubleValue()); }
}
