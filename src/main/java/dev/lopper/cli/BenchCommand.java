package dev.lopper.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

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
import dev.lopper.task.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code lopper bench ORIG PRUNED}: runs the two models alternately (A B A B ...) on the same seeded inputs;
 * speedup = median(ORIG) / median(PRUNED), shown next to the MACs ratio MACs(ORIG) / MACs(PRUNED) (counted by
 * the group analysis at the same input shapes).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Compare the latency of two models run alternately (A B A B ...) so machine noise hits both alike.")
public final class BenchCommand extends MeasureCommand {
    @Parameters(index = "0", paramLabel = "ORIG", description = "Baseline (original) model.")
    Path original;

    @Parameters(index = "1", paramLabel = "PRUNED", description = "Candidate (pruned) model.")
    Path pruned;

    @Override
    int run(CliCancellation cancel) {
        PrintWriter out = spec.commandLine().getOut();
        SessionConfig config = options.sessionConfig();
        ShapePolicy shapes = options.shapePolicy();
        Map<String, Object> r = new LinkedHashMap<>();
        BenchResult b;
        Map<String, long[]> shapesA;
        Map<String, long[]> shapesB;
        try (EvalSession a = EvalSession.open(ModelSource.of(original), config);
             EvalSession c = EvalSession.open(ModelSource.of(pruned), config)) {
            a.cancelOn(cancel.token());
            c.cancelOn(cancel.token());
            Map<String, HostTensor> ia = RandomInputs.forSession(a, shapes, options.intRange(), options.seed);
            Map<String, HostTensor> ic = RandomInputs.forSession(c, shapes, options.intRange(), options.seed);
            b = InterleavedBench.run(a, ia, c, ic, new LatencyOptions(options.warmup, options.runs), LatencyListener.NONE,
                    cancel.token().progress(Progress.NONE));
            r.put("original", original.toString());
            r.put("pruned", pruned.toString());
            r.put("inputs", describeInputs(a.inputs(), ia));
            shapesA = shapes.resolve(a.inputs());
            shapesB = shapes.resolve(c.inputs());
        }
        ModelMacs.Count ca = ModelMacs.count(original, shapesA);
        ModelMacs.Count cb = ModelMacs.count(pruned, shapesB);
        Long macsA = ca.known() ? ca.macs() : null;
        Long macsB = cb.known() ? cb.macs() : null;
        Double macsRatio = macsA != null && macsB != null && macsB > 0 ? (double) macsA / macsB : null;
        r.put("originalLatency", latencyJson(b.baseline(), config.intraOpThreads()));
        r.put("prunedLatency", latencyJson(b.candidate(), config.intraOpThreads()));
        r.put("speedup", num(b.speedup()));
        r.put("pairedSpeedup", num(b.pairedSpeedup()));
        r.put("originalMacs", macsA);
        r.put("prunedMacs", macsB);
        r.put("macsRatio", macsRatio);
        r.put("speedupOverMacsRatio", macsRatio == null ? null : num(b.speedup() / macsRatio));
        if (macsRatio == null) r.put("macsNote", !ca.known() ? ca.error() : !cb.known() ? cb.error() : "the pruned model has no MACs");
        r.put("threads", config.intraOpThreads());
        r.put("runs", options.runs);
        if (json) {
            JsonOutput.print(out, r);
        } else {
            out.printf("original: %s  median %.3f ms  p10 %.3f  p90 %.3f%n", original, b.baseline().medianMs(),
                    b.baseline().p10Ms(), b.baseline().p90Ms());
            out.printf("pruned:   %s  median %.3f ms  p10 %.3f  p90 %.3f%n", pruned, b.candidate().medianMs(),
                    b.candidate().p10Ms(), b.candidate().p90Ms());
            out.printf("speedup %.3fx (paired median %.3fx)  MACs ratio %s  (%d runs each, interleaved, %d threads)%n",
                    b.speedup(), b.pairedSpeedup(), macsRatio == null ? "n/a" : String.format("%.3fx", macsRatio),
                    options.runs, config.intraOpThreads());
        }
        out.flush();
        return 0;
    }
}
