package dev.lopper.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.ByteString;

import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/**
 * Benchmark of model I/O (not a unit test; excluded by default). Run:
 * {@code mvn -B -o test -Dgroups=bench -Dtest=ModelIoBench}. Uses the big models in /tmp/lopper-big when
 * present, else generates a 500 MB model. Prints wall time, CPU time of the working thread (the machine may be
 * shared), peak RSS (VmHWM, reset per phase through /proc/self/clear_refs), anonymous and file-backed RSS
 * after the phase, and heap in use, per phase; writes the same lines to target/bench/model-io.txt.
 */
@Tag("bench")
class ModelIoBench {
    @TempDir
    Path tmp;

    private final List<String> lines = new ArrayList<>();

    @Test
    void modelIo() throws Exception {
        Path big = Path.of("/tmp/lopper-big");
        Path inline500 = big.resolve("mlp_conv_500mb_op13.onnx");
        if (!Files.exists(inline500)) {
            inline500 = generate(tmp.resolve("synthetic_500mb.onnx"), 500L << 20);
            log("generated " + inline500 + " (" + Files.size(inline500) + " bytes)");
        }
        log(String.format("%-52s %8s %8s %9s %10s %10s %8s", "phase", "wall ms", "cpu ms", "VmHWM MB", "RssAnon MB",
                "RssFile MB", "heap MB"));
        log("baseline: " + memory());

        for (int i = 0; i < 3; i++) {
            final Path p = inline500;
            phase("read " + p.getFileName() + " #" + (i + 1), () -> ModelReader.read(p));
        }
        OnnxModel m = ModelReader.read(inline500);
        final OnnxModel model = m;
        long[] floats = new long[1];
        phase("decode all tensors to float[] (one at a time)", () -> {
            for (TensorProto t : model.proto().getGraph().getInitializerList()) {
                floats[0] += model.tensor(t).toFloatArray().length;
            }
            return null;
        });
        log("  decoded " + floats[0] + " floats (" + (floats[0] * 4 >> 20) + " MB)");
        TensorProto largest = null;
        for (TensorProto t : m.proto().getGraph().getInitializerList()) {
            if (t.getDimsCount() == 2 && (largest == null || OnnxModel.expectedBytes(t) > OnnxModel.expectedBytes(largest))) largest = t;
        }
        if (largest != null) {
            final TensorProto t = largest;
            int rows = (int) t.getDims(0);
            int cols = (int) t.getDims(1);
            int[] evenRows = new int[rows / 2];
            for (int i = 0; i < evenRows.length; i++) evenRows[i] = 2 * i;
            int[] evenCols = new int[cols / 2];
            for (int i = 0; i < evenCols.length; i++) evenCols[i] = 2 * i;
            phase("slice " + t.getName() + " " + rows + "x" + cols + " axis 0 keep 1/2", () -> Tensors.slice(model, t, 0, evenRows));
            phase("slice " + t.getName() + " " + rows + "x" + cols + " axis 1 keep 1/2", () -> Tensors.slice(model, t, 1, evenCols));
        }
        final Path src = inline500;
        phase("sha256 " + src.getFileName(), () -> ModelSha256.of(src));
        Path out = tmp.resolve("copy.onnx");
        phase("write unchanged " + src.getFileName(), () -> ModelWriter.write(model, out));
        assertEquals(-1L, Files.mismatch(src, out), "byte for byte");
        log("  written copy is byte-identical: yes");
        Files.delete(out);
        m = null;

        Path bert = big.resolve("bert_base_op13.onnx");
        if (Files.exists(bert)) phase("read " + bert.getFileName(), () -> ModelReader.read(bert));
        Path nodes20k = big.resolve("synthetic_20k_nodes_op13.onnx");
        for (int i = 0; i < 3 && Files.exists(nodes20k); i++) {
            phase("read " + nodes20k.getFileName() + " #" + (i + 1), () -> ModelReader.read(nodes20k));
        }

        Path ext = big.resolve("gemm_stack_2400mb_op13.onnx");
        if (Files.exists(ext)) {
            phase("read " + ext.getFileName() + " (+2.4 GB external)", () -> ModelReader.read(ext));
            OnnxModel e = ModelReader.read(ext);
            Path eo = tmp.resolve("ext_copy.onnx");
            ModelWriter.Result[] r = new ModelWriter.Result[1];
            phase("write unchanged " + ext.getFileName() + " (external)", () -> r[0] = ModelWriter.write(e, eo));
            log("  wrote " + r[0].externalTensors() + " external tensors, " + r[0].externalBytes() + " bytes");
            OnnxModel back = ModelReader.read(eo);
            TensorProto t0 = e.proto().getGraph().getInitializer(0);
            TensorProto b0 = back.proto().getGraph().getInitializer(0);
            assertTrue(e.rawBytes(t0).equals(back.rawBytes(b0)), "first external tensor equal");
            Files.delete(eo);
            Files.delete(r[0].externalData());

            // The same 2.4 GB of weights as inline raw_data (aliasing the data file's map, no heap): more
            // than a protobuf can hold, so the writer must spill them to external data on its own.
            GraphProto.Builder g = e.proto().getGraph().toBuilder();
            for (int i = 0; i < g.getInitializerCount(); i++) {
                TensorProto t = g.getInitializer(i);
                g.setInitializer(i, t.toBuilder().clearExternalData().clearDataLocation()
                        .setRawData(com.google.protobuf.UnsafeByteOperations.unsafeWrap(e.externalBytes(t))).build());
            }
            ModelProto inlined = e.proto().toBuilder().setGraph(g).build();
            Path so = tmp.resolve("spilled.onnx");
            phase("write 2.4 GB inline model (spills to external)",
                    () -> r[0] = ModelWriter.write(e, inlined, so, ModelWriter.Options.DEFAULT));
            log("  spilled " + r[0].externalTensors() + " tensors, " + r[0].externalBytes() + " bytes; model file "
                    + Files.size(so) + " bytes");
            assertTrue(r[0].externalTensors() > 0 && Files.size(so) < ModelWriter.MAX_PROTOBUF_BYTES);
            OnnxModel spilled = ModelReader.read(so);
            assertTrue(e.rawBytes(t0).equals(spilled.rawBytes(spilled.proto().getGraph().getInitializer(0))));
            Files.delete(so);
            Files.delete(r[0].externalData());
        }
        Path report = Path.of("target", "bench", "model-io.txt");
        Files.createDirectories(report.getParent());
        Files.write(report, lines);
    }

    private void phase(String name, Callable<?> work) throws Exception {
        System.gc();
        resetPeak();
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long c0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        Object keep = work.call();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        long cpu = (threads.getCurrentThreadCpuTime() - c0) / 1_000_000;
        long[] mem = status();
        Runtime rt = Runtime.getRuntime();
        long heap = (rt.totalMemory() - rt.freeMemory()) >> 20;
        log(String.format("%-52s %8d %8d %9d %10d %10d %8d", name, ms, cpu, mem[0] >> 10, mem[2] >> 10, mem[3] >> 10, heap));
        if (keep == null) return;
    }

    private String memory() {
        long[] s = status();
        return "VmHWM " + (s[0] >> 10) + " MB, VmRSS " + (s[1] >> 10) + " MB";
    }

    private void log(String s) {
        lines.add(s);
        PrintStream out = System.out;
        out.println("[bench] " + s);
    }

    private static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | UnsupportedOperationException ignored) {
            // not Linux, or not allowed: VmHWM is then the process peak
        }
    }

    /** VmHWM, VmRSS, RssAnon, RssFile in kB. */
    private static long[] status() {
        long[] out = new long[4];
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                String[] f = l.split("\\s+");
                switch (f[0]) {
                    case "VmHWM:" -> out[0] = Long.parseLong(f[1]);
                    case "VmRSS:" -> out[1] = Long.parseLong(f[1]);
                    case "RssAnon:" -> out[2] = Long.parseLong(f[1]);
                    case "RssFile:" -> out[3] = Long.parseLong(f[1]);
                    default -> { }
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        return out;
    }

    /** A chain of MatMul layers with 4 MB random float weights, streamed to disk (the heap holds 16 MB). */
    static Path generate(Path file, long bytes) throws IOException {
        int side = 1024;
        int layers = (int) (bytes / (4L * side * side));
        Random r = new Random(1);
        ByteString[] blocks = new ByteString[4];
        for (int i = 0; i < blocks.length; i++) {
            float[] v = new float[side * side];
            for (int k = 0; k < v.length; k++) v[k] = (float) r.nextGaussian() * 0.02f;
            blocks[i] = Tensors.ofFloats("w", new long[] {side, side}, v).getRawData();
        }
        GraphProto.Builder g = GraphProto.newBuilder().setName("synthetic")
                .addInput(TestModels.value("x", 1, 1, side));
        String prev = "x";
        for (int i = 0; i < layers; i++) {
            String w = "w" + i;
            g.addInitializer(TensorProto.newBuilder().setName(w).setDataType(1).addDims(side).addDims(side)
                    .setRawData(blocks[i % blocks.length]));
            String y = "h" + i;
            g.addNode(TestModels.node("mm" + i, "MatMul", new String[] {prev, w}, y));
            prev = y;
        }
        g.addOutput(TestModels.value(prev, 1, 1, side));
        ModelProto m = TestModels.model(g.build());
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            m.writeTo(os);
        }
        return file;
    }
}
