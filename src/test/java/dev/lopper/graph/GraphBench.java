package dev.lopper.graph;

import static dev.lopper.graph.ModelBuilder.FLOAT;
import static dev.lopper.graph.ModelBuilder.f;
import static dev.lopper.graph.ModelBuilder.i;
import static dev.lopper.graph.ModelBuilder.ia;
import static dev.lopper.graph.ModelBuilder.t;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.onnx.OnnxModel;
import dev.lopper.task.Progress;

/**
 * Benchmark (not a unit test; excluded by default) of what {@code lopper inspect} does on a synthetic
 * transformer as torch exports it at opset 13 (Constant nodes, Shape->Gather->Unsqueeze->Concat->Reshape
 * into heads, decomposed LayerNorm and GELU), 88 nodes per layer. Run:
 * {@code mvn -B -o test -Dgroups=bench -Dtest=GraphBench}. Prints the median of 5 runs for 5,000 and
 * 20,000 nodes, wall time and the thread's CPU time (the machine may be shared: CPU time is what the work
 * costs), and writes them to target/bench/graph.txt.
 */
@Tag("bench")
class GraphBench {
    static final int DIM = 16;
    static final int HEADS = 4;

    @TempDir
    Path tmp;

    private final List<String> lines = new ArrayList<>();

    /** A transformer with {@code layers} pre-LN blocks over x [batch, seq, DIM]. */
    static ModelBuilder transformer(int layers) {
        ModelBuilder b = new ModelBuilder(13).input("x", FLOAT, "batch", "seq", DIM);
        String x = "x";
        for (int l = 0; l < layers; l++) {
            String p = "l" + l + "_";
            String h = layerNorm(b, p + "ln1_", x);
            String[] qkv = new String[3];
            for (int k = 0; k < 3; k++) {
                String n = p + "qkv" + k + "_";
                b.weight(n + "w", DIM, DIM).weight(n + "b", DIM)
                        .node("MatMul", n + "mm", List.of(h, n + "w"))
                        .node("Add", n + "a", List.of(n + "mm", n + "b"));
                qkv[k] = heads(b, n, n + "a", k == 1 ? new long[] {0, 2, 3, 1} : new long[] {0, 2, 1, 3});
            }
            b.node("MatMul", p + "s", List.of(qkv[0], qkv[1]))
                    .node("Constant", p + "scale", List.of(), f("value_float", 2f))
                    .node("Div", p + "sd", List.of(p + "s", p + "scale"))
                    .node("Softmax", p + "sm", List.of(p + "sd"), i("axis", -1))
                    .node("MatMul", p + "ctx", List.of(p + "sm", qkv[2]))
                    .node("Transpose", p + "ctxt", List.of(p + "ctx"), ia("perm", 0, 2, 1, 3))
                    .node("Constant", p + "merge", List.of(), ia("value_ints", 0, 0, DIM))
                    .node("Reshape", p + "ctxr", List.of(p + "ctxt", p + "merge"))
                    .weight(p + "ow", DIM, DIM).weight(p + "ob", DIM)
                    .node("MatMul", p + "o", List.of(p + "ctxr", p + "ow"))
                    .node("Add", p + "ob_", List.of(p + "o", p + "ob"))
                    .node("Add", p + "res1", List.of(x, p + "ob_"));
            String h2 = layerNorm(b, p + "ln2_", p + "res1");
            b.weight(p + "f1", DIM, 4 * DIM).weight(p + "f1b", 4 * DIM).weight(p + "f2", 4 * DIM, DIM).weight(p + "f2b", DIM)
                    .node("MatMul", p + "u", List.of(h2, p + "f1"))
                    .node("Add", p + "ub", List.of(p + "u", p + "f1b"))
                    .node("Constant", p + "sqrt2", List.of(), f("value_float", 1.4142135f))
                    .node("Div", p + "gd", List.of(p + "ub", p + "sqrt2"))
                    .node("Erf", p + "ge", List.of(p + "gd"))
                    .node("Constant", p + "one", List.of(), f("value_float", 1f))
                    .node("Add", p + "ga", List.of(p + "ge", p + "one"))
                    .node("Mul", p + "gm", List.of(p + "ub", p + "ga"))
                    .node("Constant", p + "half", List.of(), f("value_float", 0.5f))
                    .node("Mul", p + "g", List.of(p + "gm", p + "half"))
                    .node("MatMul", p + "dn", List.of(p + "g", p + "f2"))
                    .node("Add", p + "dnb", List.of(p + "dn", p + "f2b"))
                    .node("Add", p + "out", List.of(p + "res1", p + "dnb"));
            x = p + "out";
        }
        return b.output(x);
    }

    static String layerNorm(ModelBuilder b, String p, String x) {
        b.weight(p + "g", DIM).weight(p + "b", DIM)
                .node("ReduceMean", p + "m", List.of(x), ia("axes", -1))
                .node("Sub", p + "d", List.of(x, p + "m"))
                .node("Constant", p + "two", List.of(), f("value_float", 2f))
                .node("Pow", p + "sq", List.of(p + "d", p + "two"))
                .node("ReduceMean", p + "v", List.of(p + "sq"), ia("axes", -1))
                .node("Constant", p + "eps", List.of(), f("value_float", 1e-5f))
                .node("Add", p + "ve", List.of(p + "v", p + "eps"))
                .node("Sqrt", p + "sd", List.of(p + "ve"))
                .node("Div", p + "n", List.of(p + "d", p + "sd"))
                .node("Mul", p + "ns", List.of(p + "n", p + "g"))
                .node("Add", p + "y", List.of(p + "ns", p + "b"));
        return p + "y";
    }

    /** torch's head split: Shape, Gather x2, Unsqueeze x2, Concat with [HEADS, DIM/HEADS], Reshape, Transpose. */
    static String heads(ModelBuilder b, String p, String x, long[] perm) {
        b.node("Shape", p + "s", List.of(x))
                .node("Constant", p + "i0", List.of(), t("value", ModelBuilder.longs("", new long[0], 0)))
                .node("Gather", p + "g0", List.of(p + "s", p + "i0"), i("axis", 0))
                .node("Constant", p + "i1", List.of(), t("value", ModelBuilder.longs("", new long[0], 1)))
                .node("Gather", p + "g1", List.of(p + "s", p + "i1"), i("axis", 0))
                .node("Unsqueeze", p + "u0", List.of(p + "g0"), ia("axes", 0))
                .node("Unsqueeze", p + "u1", List.of(p + "g1"), ia("axes", 0))
                .node("Constant", p + "nh", List.of(), ia("value_ints", HEADS))
                .node("Constant", p + "hd", List.of(), ia("value_ints", DIM / HEADS))
                .node("Concat", p + "shape", List.of(p + "u0", p + "u1", p + "nh", p + "hd"), i("axis", 0))
                .node("Reshape", p + "r", List.of(x, p + "shape"))
                .node("Transpose", p + "t", List.of(p + "r"), ia("perm", perm));
        return p + "t";
    }

    record Timing(int nodes, double readMs, double loadMs, double loadFixedMs, double summaryMs, double cpuMs) {
        double inspectMs() { return readMs + loadMs + summaryMs; }
    }

    static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    @Test
    void inspectScalesLinearly() throws Exception {
        Timing small = measure(5_000);
        Timing big = measure(20_000);
        for (Timing t : List.of(small, big)) {
            log(String.format("%6d nodes: read %7.1f ms, load+standardize+shapes %7.1f ms (with --input-shape %7.1f ms), "
                            + "metrics+summary %6.1f ms, inspect total %7.1f ms wall, %7.1f ms CPU",
                    t.nodes(), t.readMs(), t.loadMs(), t.loadFixedMs(), t.summaryMs(), t.inspectMs(), t.cpuMs()));
        }
        double ratio = big.cpuMs() / small.cpuMs();
        log(String.format("20k/5k inspect CPU time ratio %.2f (linear = 4); wall ratio %.2f; load average %.1f",
                ratio, big.inspectMs() / small.inspectMs(),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        Files.createDirectories(Path.of("target/bench"));
        Files.write(Path.of("target/bench/graph.txt"), lines);
        assertTrue(big.cpuMs() < 2000, "inspect on 20k nodes took " + big.cpuMs() + " ms of CPU");
        assertTrue(ratio < 6, "growth worse than linear: " + ratio);
    }

    Timing measure(int targetNodes) throws Exception {
        int layers = targetNodes / 88;
        Path file = tmp.resolve("transformer_" + targetNodes + ".onnx");
        Files.write(file, transformer(layers).proto().toByteArray());
        int runs = 5;
        double[] read = new double[runs], load = new double[runs], fixed = new double[runs], sum = new double[runs];
        double[] cpu = new double[runs];
        int nodes = 0;
        for (int r = -1; r < runs; r++) { // r = -1 warms up
            long c0 = THREADS.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            OnnxModel m = OnnxModel.read(file);
            long t1 = System.nanoTime();
            ModelGraph g = GraphLoader.load(m, Map.of(), Standardizer.Mode.STANDARDIZED, Progress.NONE);
            long t2 = System.nanoTime();
            ModelSummary s = ModelSummary.of(m, g);
            long t3 = System.nanoTime();
            long c1 = THREADS.getCurrentThreadCpuTime();
            ModelGraph gf = GraphLoader.load(m, Map.of("x", new long[] {1, 128, DIM}));
            long t4 = System.nanoTime();
            nodes = m.proto().getGraph().getNodeCount();
            if (r == -1) {
                // What the standardization must achieve on every layer.
                assertEquals(2 * layers, s.standardizedOps().get("LayerNormalization"));
                assertEquals(layers, s.standardizedOps().get("Gelu"));
                assertEquals("[batch,4,seq,4]", g.shape("l0_qkv0_t").toString());
                assertTrue(!gf.nodes().stream().anyMatch(n -> n.opType().equals("Shape")));
                continue;
            }
            read[r] = (t1 - t0) / 1e6;
            load[r] = (t2 - t1) / 1e6;
            sum[r] = (t3 - t2) / 1e6;
            fixed[r] = (t4 - t3) / 1e6;
            cpu[r] = (c1 - c0) / 1e6;
        }
        return new Timing(nodes, median(read), median(load), median(fixed), median(sum), median(cpu));
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    void log(String s) {
        System.out.println(s);
        lines.add(s);
    }
}
