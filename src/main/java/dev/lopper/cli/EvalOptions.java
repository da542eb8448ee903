package dev.lopper.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.lopper.runtime.EvalException;
import dev.lopper.runtime.GraphOptimization;
import dev.lopper.runtime.IntRange;
import dev.lopper.runtime.SessionConfig;
import dev.lopper.runtime.ShapePolicy;
import picocli.CommandLine.Option;

/** Options shared by {@code eval} and {@code bench}: threads, inputs, runs. */
final class EvalOptions {
    @Option(names = "--runs", paramLabel = "N", defaultValue = "50", description = "Timed runs (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "5", description = "Untimed warm-up runs (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--threads", paramLabel = "T", description = "Intra-op threads (default: all processors).")
    Integer threads;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "1",
            description = "Batch size for symbolic batch dims and data batches (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--optimization", paramLabel = "LEVEL", defaultValue = "ALL",
            description = "ONNX Runtime graph optimization: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    GraphOptimization optimization;

    @Option(names = "--input-shape", paramLabel = "NAME=D1,D2,...",
            description = "Shape of an input with symbolic dims, e.g. input=1,3,32,32 (repeatable). Default: batch-like dims"
                    + " (dim 0, '*batch*') = --batch, '*height*'/'*width*' = 224, other symbolic dims (sequence) = 16.")
    List<String> inputShapes = new ArrayList<>();

    @Option(names = "--int-range", paramLabel = "LO,HI",
            description = "Inclusive range of random integer inputs such as token ids (default: 0..V-1 for ids into an"
                    + " embedding table of V rows, else 0,99). Inputs named *mask*"
                    + " are ones, *token_type*/*segment* zeros, *position* 0..n-1.")
    String intRange;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Seed of random inputs (default: ${DEFAULT-VALUE}).")
    long seed;

    int threadCount() {
        if (threads == null) return Runtime.getRuntime().availableProcessors();
        if (threads < 1) throw new EvalException("--threads must be >= 1, got " + threads);
        return threads;
    }

    SessionConfig sessionConfig() {
        if (batch < 1) throw new EvalException("--batch must be >= 1, got " + batch);
        return new SessionConfig(threadCount(), 1, optimization, batch);
    }

    ShapePolicy shapePolicy() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (String s : inputShapes) {
            Map.Entry<String, long[]> e = ShapePolicy.parseInputShape(s);
            shapes.put(e.getKey(), e.getValue());
        }
        return ShapePolicy.of(shapes, batch);
    }

    /** The explicit range, or null to infer ranges from the model (embedding table sizes) with 0..99 otherwise. */
    IntRange intRange() { return intRange == null ? null : IntRange.parse(intRange); }
}
