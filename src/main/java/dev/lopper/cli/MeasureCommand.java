package dev.lopper.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.lopper.runtime.EvalException;
import dev.lopper.runtime.HostTensor;
import dev.lopper.runtime.LatencyStats;
import dev.lopper.runtime.TensorSpec;
import dev.lopper.task.CancelledException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Base of the commands that run models in ONNX Runtime ({@code eval}, {@code bench}): the shared options
 * ({@code --json} and {@link EvalOptions}), Ctrl-C handling (exit 130) and the JSON pieces both report.
 */
abstract class MeasureCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print the results as JSON.")
    boolean json;

    @Mixin
    EvalOptions options;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Runs {@link #run}; Ctrl-C cancels it (exit 130) and {@link EvalException}s become user-facing errors. */
    @Override
    public final Integer call() {
        try (CliCancellation cancel = new CliCancellation()) {
            try {
                return run(cancel);
            } catch (CancelledException e) {
                return cancel.reportCancelled(spec.commandLine().getErr());
            }
        } catch (EvalException e) {
            throw new CliException(e.getMessage(), e);
        }
    }

    /** The command's work; returns the exit code. Long steps watch {@code cancel.token()}. */
    abstract int run(CliCancellation cancel);

    static Map<String, Object> describeInputs(List<TensorSpec> specs, Map<String, HostTensor> inputs) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (TensorSpec s : specs) m.put(s.name(), s.describe() + " = " + HostTensor.shapeText(inputs.get(s.name()).shape()));
        return m;
    }

    static Map<String, Object> latencyJson(LatencyStats s, int threads) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("medianMs", num(s.medianMs()));
        m.put("p10Ms", num(s.p10Ms()));
        m.put("p90Ms", num(s.p90Ms()));
        m.put("meanMs", num(s.meanMs()));
        m.put("minMs", num(s.minMs()));
        m.put("maxMs", num(s.maxMs()));
        m.put("throughputPerSec", num(s.throughputPerSec()));
        m.put("runs", s.runs());
        m.put("batch", s.batchSize());
        m.put("threads", threads);
        return m;
    }

    /** JSON has no NaN/Infinity: those become null. */
    static Object num(double v) { return Double.isFinite(v) ? v : null; }
}
