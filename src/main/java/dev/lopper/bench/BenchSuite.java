package dev.lopper.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import dev.lopper.analysis.GroupAnalysis;
import dev.lopper.analysis.GroupAnalyzer;
import dev.lopper.runtime.BenchResult;
import dev.lopper.runtime.EvalSession;
import dev.lopper.runtime.HostTensor;
import dev.lopper.runtime.InterleavedBench;
import dev.lopper.runtime.LatencyListener;
import dev.lopper.runtime.LatencyOptions;
import dev.lopper.eval.ModelMacs;
import dev.lopper.runtime.ModelSource;
import dev.lopper.runtime.RandomInputs;
import dev.lopper.runtime.SessionConfig;
import dev.lopper.runtime.ShapePolicy;
import dev.lopper.runtime.VerifyOptions;
import dev.lopper.graph.GraphLoader;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.graph.Standardizer;
import dev.lopper.graph.layout.LayeredLayout;
import dev.lopper.graph.layout.LayoutGraph;
import dev.lopper.importance.ImportanceScorer.ScoringOptions;
import dev.lopper.onnx.ModelLoadException;
import dev.lopper.onnx.ModelReader;
import dev.lopper.onnx.ModelWriteException;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.prune.PlanExecution;
import dev.lopper.prune.Planner;
import dev.lopper.prune.PruningSession;
import dev.lopper.prune.PruningSettings;
import dev.lopper.task.Progress;

/**
 * The benchmark suite behind {@code lopper bench-suite}: for each model the pipeline's phases, timed one by one in
 * this process, as the CLI and app run them (L1 scores, uniform ratio 0.5):
 * <ul>
 *   <li>load: read and parse the file ({@link ModelReader}); standardize: shape inference and pattern fusion
 *       ({@link GraphLoader}, STANDARDIZED); group: coupled-group analysis ({@link GroupAnalyzer});</li>
 *   <li>score, plan: {@link PruningSession#score}, {@link PruningSession#plan}; apply: the rewrite of the model
 *       ({@link PruningSession#rewrite}); verify: {@link PruningSession#apply} (rewrite + ONNX Runtime check)
 *       minus the apply time; write: {@link PruningSession#write} to a temp folder;</li>
 *   <li>layout: {@link LayeredLayout} of the standardized op graph (one box per node);</li>
 *   <li>peak heap: the largest heap in use during the model's phases (peak of every heap pool, reset before).</li>
 * </ul>
 * and, for ResNet-50- and MobileNetV2-shaped models, the latency ratio pruned/original (Lopper-pruned at 0.3 and
 * 0.5, run alternately in ONNX Runtime, 1 thread) next to the MACs ratio. Core code: no JavaFX.
 */
public final class BenchSuite {
    /** One model to run through the phases. */
    public record Case(String name, Path file) {}

    /** Phase times (ms) and the peak heap of one model. */
    public record PhaseRow(String model, int nodes, long bytes, Map<String, Double> ms, long peakHeapBytes, String note) {}

    /** Latency of Lopper's pruned model vs the original, next to the MACs ratio. */
    public record LatencyRow(String model, int resolution, double ratio, long macsOriginal, long macsPruned,
                             double originalMedianMs, double prunedMedianMs) {
        public double latencyRatio() { return prunedMedianMs / originalMedianMs; }
        public double macsRatio() { return (double) macsPruned / macsOriginal; }
    }

    public record Results(List<PhaseRow> phases, List<LatencyRow> latency) {}

    public static final List<String> PHASES =
            List.of("load", "standardize", "group", "score", "plan", "apply", "verify", "write", "layout", "first paint", "launch to paint");

    /** Above this node count the app's first paint is not timed. */
    static final int PAINT_MAX_NODES = 25_000;

    /** Above this node count verification (ONNX Runtime session creation) is not run: it takes minutes. */
    static final int VERIFY_MAX_NODES = 25_000;

    private final Path work;
    private final boolean quick;
    private final Consumer<String> log;

    /** {@code work}: a folder for generated and written models (the caller deletes it). */
    public BenchSuite(Path work, boolean quick, Consumer<String> log) {
        this.work = work;
        this.quick = quick;
        this.log = log;
    }

    /** The generated graphs: residual stacks of about 2k, 20k and (not with quick) 100k nodes. */
    public List<Case> generatedCases() {
        List<Case> out = new ArrayList<>();
        int[] sizes = quick ? new int[] {2_000, 20_000} : new int[] {2_000, 20_000, 100_000};
        for (int n : sizes) {
            out.add(new Case("generated " + n / 1000 + "k nodes",
                    write(ConvNetModels.residualStack((n - 4) / 5), "residual_" + n / 1000 + "k.onnx")));
        }
        return out;
    }

    public Results run(List<Case> cases) {
        List<PhaseRow> phases = new ArrayList<>();
        if (!cases.isEmpty()) {
            log.accept("warm-up: " + cases.get(0).name());
            phases(cases.get(0), false); // the first pass pays class loading and JIT; it is not reported
        }
        for (Case c : cases) {
            log.accept("phases: " + c.name());
            phases.add(phases(c, true));
        }
        List<LatencyRow> latency = new ArrayList<>();
        int res = quick ? 112 : 224;
        for (String model : List.of("ResNet-50", "MobileNetV2")) {
            ModelProto proto = model.equals("ResNet-50") ? ConvNetModels.resnet50(0, res) : ConvNetModels.mobileNetV2(0, res);
            Path orig = write(proto, model.toLowerCase().replace("-", "") + "_" + res + ".onnx");
            for (double ratio : new double[] {0.3, 0.5}) {
                log.accept("latency: " + model + " at ratio " + ratio);
                latency.add(latency(model, res, orig, ratio));
            }
        }
        return new Results(phases, latency);
    }

    /** {@code paint}: also time the app's first paint (a child process; not in the warm-up pass). */
    PhaseRow phases(Case c, boolean paint) {
        Map<String, Double> ms = new LinkedHashMap<>();
        Map<String, long[]> shapes = Map.of();
        resetPeaks();
        try {
            long t = System.nanoTime();
            OnnxModel model = ModelReader.read(c.file());
            ms.put("load", since(t));
            t = System.nanoTime();
            ModelGraph graph = GraphLoader.load(model, shapes, Standardizer.Mode.STANDARDIZED, Progress.NONE);
            ms.put("standardize", since(t));
            t = System.nanoTime();
            GroupAnalysis analysis = GroupAnalyzer.analyze(graph, Progress.NONE);
            ms.put("group", since(t));
            int nodes = graph.nodes().size();
            int groups = analysis.groups().size();
            t = System.nanoTime();
            new LayeredLayout().layout(layoutGraph(graph), Progress.NONE);
            ms.put("layout", since(t));

            PruningSession s = PruningSession.open(c.file(), shapes, Progress.NONE);
            ScoringOptions scoring = ScoringOptions.defaults();
            t = System.nanoTime();
            var scores = s.score(scoring, Progress.NONE);
            ms.put("score", since(t));
            t = System.nanoTime();
            Planner.Result plan = s.plan(scores, scoring, PruningSettings.ratio(0.5), Progress.NONE);
            ms.put("plan", since(t));
            t = System.nanoTime();
            s.rewrite(plan.plan().groups());
            double apply = since(t);
            ms.put("apply", apply);
            String note = groups + " groups";
            if (nodes > VERIFY_MAX_NODES) {
                if (paint) note = firstPaint(c.file(), nodes, ms, note);
                note += "; verify and write not run: ONNX Runtime takes minutes to create a session of > "
                        + VERIFY_MAX_NODES + " nodes";
                return new PhaseRow(c.name(), nodes, Files.size(c.file()), ms, peakHeap(), note);
            }
            if (paint) note = firstPaint(c.file(), nodes, ms, note);
            t = System.nanoTime();
            PlanExecution.Outcome o = s.apply(plan.plan(), false, VerifyOptions.DEFAULT, Progress.NONE);
            ms.put("verify", Math.max(0, since(t) - apply));
            if (o.verified()) {
                Path out = work.resolve("pruned_" + c.file().getFileName());
                t = System.nanoTime();
                s.write(o, out, Progress.NONE);
                ms.put("write", since(t));
                Files.deleteIfExists(out);
            } else {
                note += "; not verified: " + o.failing();
            }
            return new PhaseRow(c.name(), nodes, Files.size(c.file()), ms, peakHeap(), note);
        } catch (ModelLoadException | ModelWriteException e) {
            return new PhaseRow(c.name(), 0, 0, ms, peakHeap(), e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    LatencyRow latency(String model, int res, Path orig, double ratio) {
        try {
            PruningSession s = PruningSession.open(orig, Map.of(), Progress.NONE);
            ScoringOptions scoring = ScoringOptions.defaults();
            var scores = s.score(scoring, Progress.NONE);
            Planner.Result plan = s.plan(scores, scoring, PruningSettings.ratio(ratio), Progress.NONE);
            PlanExecution.Outcome o = s.apply(plan.plan(), false, VerifyOptions.DEFAULT, Progress.NONE);
            if (!o.verified()) throw new IllegalStateException(model + " at " + ratio + " not verified: " + o.failing());
            Path pruned = work.resolve(orig.getFileName().toString().replace(".onnx", "_p" + Math.round(ratio * 100) + ".onnx"));
            s.write(o, pruned, Progress.NONE);
            SessionConfig config = SessionConfig.DEFAULT.withThreads(1);
            BenchResult b;
            try (EvalSession a = EvalSession.open(ModelSource.of(orig), config);
                 EvalSession p = EvalSession.open(ModelSource.of(pruned), config)) {
                Map<String, HostTensor> ia = RandomInputs.forSession(a, ShapePolicy.DEFAULT, null, 42);
                Map<String, HostTensor> ip = RandomInputs.forSession(p, ShapePolicy.DEFAULT, null, 42);
                b = InterleavedBench.run(a, ia, p, ip, new LatencyOptions(quick ? 3 : 5, quick ? 10 : 30),
                        LatencyListener.NONE, Progress.NONE);
            }
            Map<String, long[]> one = Map.of("input", new long[] {1, 3, res, res});
            ModelMacs.Count ca = ModelMacs.count(orig, one);
            ModelMacs.Count cp = ModelMacs.count(pruned, one);
            if (!ca.known() || !cp.known()) throw new IllegalStateException(model + ": MACs unknown");
            return new LatencyRow(model, res, ratio, ca.macs(), cp.macs(), b.baseline().medianMs(), b.candidate().medianMs());
        } catch (ModelLoadException | ModelWriteException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * The app's first paint of {@code model} in a fresh process ({@code lopper gui MODEL --first-paint}: the same
     * launcher or JVM and class path as this process): "first paint" is the time from opening the model (window
     * shown) to the first frame with its graph, "launch to paint" from the process start. Needs a display; skipped
     * (said in the note) without one or above {@link #PAINT_MAX_NODES} nodes.
     */
    String firstPaint(Path model, int nodes, Map<String, Double> ms, String note) {
        if (nodes > PAINT_MAX_NODES) return note + "; first paint not timed above " + PAINT_MAX_NODES + " nodes";
        if (!hasDisplay()) return note + "; first paint not timed: no display (run under xvfb-run)";
        log.accept("first paint: " + model.getFileName());
        try {
            Process p = new ProcessBuilder(guiCommand(model)).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out;
            try (var in = p.getInputStream()) {
                java.util.concurrent.CompletableFuture<String> text = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        return "";
                    }
                });
                if (!p.waitFor(PAINT_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return note + "; first paint: the app did not paint within " + PAINT_TIMEOUT_SECONDS + " s";
                }
                out = text.get(10, java.util.concurrent.TimeUnit.SECONDS);
            }
            double[] t = parseFirstPaint(out);
            if (t == null) {
                String line = out.strip().isEmpty() ? "exit " + p.exitValue() : out.strip().lines().reduce((a, b) -> b).orElse("");
                return note + "; first paint failed: " + line;
            }
            ms.put("first paint", t[1]);
            ms.put("launch to paint", t[0]);
            log.accept(String.format(java.util.Locale.ROOT, "first paint: %s %.0f ms after open, %.0f ms after launch",
                    model.getFileName(), t[1], t[0]));
            return note;
        } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return note + "; first paint failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return note + "; first paint interrupted";
        }
    }

    static final int PAINT_TIMEOUT_SECONDS = 300;

    private static final java.util.regex.Pattern FIRST_PAINT =
            java.util.regex.Pattern.compile("first paint: ([0-9.]+) ms after launch, ([0-9.]+) ms after open");

    /** {after launch, after open} in ms from the app's {@code first paint: ...} line, or null. */
    static double[] parseFirstPaint(String out) {
        java.util.regex.Matcher m = FIRST_PAINT.matcher(out);
        return m.find() ? new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))} : null;
    }

    /** A display the app can open (Linux/BSD: $DISPLAY or $WAYLAND_DISPLAY; other OSes always have one). */
    static boolean hasDisplay() {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        if (os.contains("win") || os.contains("mac")) return true;
        return notBlank(System.getenv("DISPLAY")) || notBlank(System.getenv("WAYLAND_DISPLAY"));
    }

    private static boolean notBlank(String s) { return s != null && !s.isBlank(); }

    /** The installed launcher (jpackage sets jpackage.app-path) or this JVM with this class path. */
    static List<String> guiCommand(Path model) {
        String app = System.getProperty("jpackage.app-path");
        if (app != null) return List.of(app, "gui", model.toString(), "--first-paint");
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "dev.lopper.Main", "gui", model.toString(), "--first-paint");
    }

    /** One box per node (fixed size), an edge per tensor from producer to consumer. */
    static LayoutGraph layoutGraph(ModelGraph graph) {
        List<Node> nodes = graph.nodes();
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) for (String o : nodes.get(i).outputs()) producer.put(o, i);
        List<int[]> edges = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String in : nodes.get(i).inputs()) {
                Integer p = producer.get(in);
                if (p != null && p != i) edges.add(new int[] {p, i});
            }
        }
        int n = nodes.size();
        double[] w = new double[n];
        double[] h = new double[n];
        java.util.Arrays.fill(w, 120);
        java.util.Arrays.fill(h, 36);
        return new LayoutGraph(n, edges.stream().mapToInt(e -> e[0]).toArray(), edges.stream().mapToInt(e -> e[1]).toArray(), w, h);
    }

    private Path write(ModelProto m, String name) {
        try {
            Path f = work.resolve(name);
            Files.write(f, m.toByteArray());
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double since(long t) { return (System.nanoTime() - t) / 1e6; }

    private static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
        }
    }

    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) sum += p.getPeakUsage().getUsed();
        }
        return sum;
    }

    /** Deletes a work folder and everything in it. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
