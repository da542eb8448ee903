package dev.lopper.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.lopper.bench.BenchSuite;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lopper bench-suite [MODEL...] [--json FILE] [--quick]}: the pipeline's speed on samples and generated graphs. */
@Command(name = "bench-suite", mixinStandardHelpOptions = true,
        description = {"Time load, standardize, group, score, plan, apply, verify, write and layout (and the peak heap) on",
                "the given models and on generated graphs of 2k, 20k and 100k nodes; then the latency ratio of Lopper-pruned",
                "ResNet-50- and MobileNetV2-shaped models (ratios 0.3, 0.5) next to their MACs ratio."})
public final class BenchSuiteCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "MODEL", description = "Models to time as well (e.g. samples/*.onnx).")
    List<Path> models = new ArrayList<>();

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Option(names = "--quick", description = "No 100k-node graph; 112x112 inputs and fewer runs for the latency ratios.")
    boolean quick;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        for (Path m : models) {
            if (!Files.isRegularFile(m)) throw new CliException(m + ": no such file");
        }
        if (json != null) { // checked before the benchmarks run: the results never replace a model they time
            try (dev.lopper.onnx.OutputFiles check = new dev.lopper.onnx.OutputFiles()) {
                for (Path m : models) check.input(m, "model");
                check.claim(json, "results");
            } catch (dev.lopper.onnx.ModelWriteException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        Path work = Files.createTempDirectory("lopper-bench");
        BenchSuite.Results r;
        try {
            BenchSuite suite = new BenchSuite(work, quick, msg -> {
                err.println("lopper: " + msg);
                err.flush();
            });
            List<BenchSuite.Case> cases = new ArrayList<>();
            for (Path m : models) cases.add(new BenchSuite.Case(m.getFileName().toString(), m));
            cases.addAll(suite.generatedCases());
            r = suite.run(cases);
        } finally {
            BenchSuite.deleteTree(work);
        }
        print(out, r);
        if (json != null) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("machine", machine());
            j.put("quick", quick);
            j.put("phases", r.phases());
            List<Map<String, Object>> lat = new ArrayList<>();
            for (BenchSuite.LatencyRow l : r.latency()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", l.model());
                m.put("resolution", l.resolution());
                m.put("ratio", l.ratio());
                m.put("originalMedianMs", l.originalMedianMs());
                m.put("prunedMedianMs", l.prunedMedianMs());
                m.put("latencyRatio", l.latencyRatio());
                m.put("macsOriginal", l.macsOriginal());
                m.put("macsPruned", l.macsPruned());
                m.put("macsRatio", l.macsRatio());
                lat.add(m);
            }
            j.put("latency", lat);
            byte[] bytes = JsonOutput.mapper().writeValueAsBytes(j);
            dev.lopper.onnx.OutputFiles.writeAtomically(json, os -> os.write(bytes), models.toArray(Path[]::new));
            out.println("wrote " + json);
        }
        out.flush();
        return 0;
    }

    static void print(PrintWriter out, BenchSuite.Results r) {
        out.printf(Locale.ROOT, "%s%n", machine());
        StringBuilder h = new StringBuilder(String.format(Locale.ROOT, "%-24s %7s", "model", "nodes"));
        for (String p : BenchSuite.PHASES) h.append(String.format(Locale.ROOT, " %11s", p + " ms"));
        h.append(String.format(Locale.ROOT, " %9s  %s", "heap MB", "note"));
        out.println(h);
        for (BenchSuite.PhaseRow row : r.phases()) {
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-24s %7d", row.model(), row.nodes()));
            for (String p : BenchSuite.PHASES) {
                Double v = row.ms().get(p);
                s.append(v == null ? String.format(Locale.ROOT, " %11s", "-") : String.format(Locale.ROOT, " %11.1f", v));
            }
            s.append(String.format(Locale.ROOT, " %9.0f  %s", row.peakHeapBytes() / 1e6, row.note()));
            out.println(s);
        }
        out.println();
        out.printf(Locale.ROOT, "%-12s %5s %6s %13s %13s %14s %10s%n", "model", "input", "ratio", "orig ms", "pruned ms",
                "latency ratio", "MACs ratio");
        for (BenchSuite.LatencyRow l : r.latency()) {
            out.printf(Locale.ROOT, "%-12s %5d %6.2f %13.2f %13.2f %14.3f %10.3f%n", l.model(), l.resolution(), l.ratio(),
                    l.originalMedianMs(), l.prunedMedianMs(), l.latencyRatio(), l.macsRatio());
        }
    }

    static String machine() {
        String cpu = "?";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (Exception e) {
            cpu = System.getProperty("os.arch");
        }
        return String.format(Locale.ROOT, "machine: %d processors, %s, %s %s, Java %s", Runtime.getRuntime().availableProcessors(),
                cpu, System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("java.version"));
    }
}
