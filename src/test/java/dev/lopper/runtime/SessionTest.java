package dev.lopper.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.StringStringEntryProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.task.CancellationToken;
import dev.lopper.task.CancelledException;
import dev.lopper.task.Progress;

class SessionTest {
    @TempDir
    Path tmp;

    static EvalSession open(ModelProto m, String label) {
        return EvalSession.open(ModelSource.of(m, null, label), SessionConfig.DEFAULT);
    }

    @Test
    void shapePolicyDefaultsAndBinding() {
        try (EvalSession s = open(TinyModels.embedding(), "emb")) {
            Map<String, long[]> d = ShapePolicy.DEFAULT.resolve(s.inputs());
            assertArrayEquals(new long[] {1, 16}, d.get("input_ids"));
            assertArrayEquals(new long[] {1, 16}, d.get("attention_mask"));
            Map<String, long[]> bound = ShapePolicy.of(Map.of("input_ids", new long[] {2, 8}), 1).resolve(s.inputs());
            assertArrayEquals(new long[] {2, 8}, bound.get("attention_mask"));
            EvalException rank = assertThrows(EvalException.class,
                    () -> ShapePolicy.of(Map.of("input_ids", new long[] {2}), 1).resolve(s.inputs()));
            assertEquals("input 'input_ids' has rank 2 int64[batch,sequence], --input-shape gives 1 dims", rank.getMessage());
            EvalException unknown = assertThrows(EvalException.class,
                    () -> ShapePolicy.of(Map.of("ids", new long[] {2}), 1).resolve(s.inputs()));
            assertEquals("--input-shape names 'ids', but the model's inputs are [input_ids, attention_mask]", unknown.getMessage());
        }
        try (EvalSession s = open(TinyModels.convRelu(), "conv")) {
            assertArrayEquals(new long[] {4, 2, 224, 224}, ShapePolicy.DEFAULT.withBatchSize(4).resolve(s.inputs()).get("x"));
            EvalException fixed = assertThrows(EvalException.class,
                    () -> ShapePolicy.of(Map.of("x", new long[] {1, 3, 8, 8}), 1).resolve(s.inputs()));
            assertEquals("input 'x' has fixed dim 1 = 2 float[N,2,height,width], --input-shape gives 3", fixed.getMessage());
        }
        assertArrayEquals(new long[] {1, 3, 32, 32}, ShapePolicy.parseInputShape("x=1,3,32,32").getValue());
        assertEquals("--input-shape 'x=1,a': 'a' is not a whole number",
                assertThrows(EvalException.class, () -> ShapePolicy.parseInputShape("x=1,a")).getMessage());
    }

    @Test
    void randomInputsRespectTypesRangesAndSeed() {
        try (EvalSession s = open(TinyModels.embedding(), "emb")) {
            ShapePolicy p = ShapePolicy.of(Map.of("input_ids", new long[] {4, 50}), 1);
            Map<String, HostTensor> in = RandomInputs.create(s.inputs(), p, new IntRange(2, 9), 1);
            HostTensor ids = in.get("input_ids");
            assertEquals(TinyModels.INT64, ids.elemType());
            boolean saw2 = false, saw9 = false;
            for (int i = 0; i < ids.size(); i++) {
                double v = ids.get(i);
                assertTrue(v >= 2 && v <= 9, "id " + v);
                saw2 |= v == 2;
                saw9 |= v == 9;
            }
            assertTrue(saw2 && saw9, "both bounds are reachable");
            HostTensor mask = in.get("attention_mask");
            for (int i = 0; i < mask.size(); i++) assertEquals(1.0, mask.get(i));
            assertArrayEquals(ids.toFloatArray(), RandomInputs.create(s.inputs(), p, new IntRange(2, 9), 1).get("input_ids").toFloatArray());
            assertNotEquals(java.util.Arrays.toString(ids.toFloatArray()),
                    java.util.Arrays.toString(RandomInputs.create(s.inputs(), p, new IntRange(2, 9), 2).get("input_ids").toFloatArray()));
            Map<String, HostTensor> out = s.run(in);
            assertArrayEquals(new long[] {4, 50, 3}, out.get("y").shape());
            assertEquals(ids.get(0) * 3, out.get("y").get(0), 0); // table row i is [3i, 3i+1, 3i+2]
        }
        try (EvalSession s = open(TinyModels.convRelu(), "conv")) {
            HostTensor x = RandomInputs.create(s.inputs(), ShapePolicy.DEFAULT, IntRange.DEFAULT, 3).get("x");
            double sum = 0, sq = 0;
            for (int i = 0; i < x.size(); i++) {
                sum += x.get(i);
                sq += x.get(i) * x.get(i);
            }
            int n = x.size();
            assertEquals(2 * 224 * 224, n);
            assertEquals(0, sum / n, 0.02);
            assertEquals(1, sq / n, 0.02);
        }
        assertEquals("--int-range 5,1: the upper bound is below the lower bound",
                assertThrows(EvalException.class, () -> IntRange.parse("5,1")).getMessage());
    }

    @Test
    void tokenIdRangeComesFromTheEmbeddingTable() {
        try (EvalSession s = open(TinyModels.embedding(), "emb")) {
            assertEquals(Map.of("input_ids", new IntRange(0, 9)), s.indexRanges());
            ShapePolicy p = ShapePolicy.of(Map.of("input_ids", new long[] {8, 64}), 1);
            HostTensor ids = RandomInputs.forSession(s, p, null, 5).get("input_ids");
            double max = 0;
            for (int i = 0; i < ids.size(); i++) max = Math.max(max, ids.get(i));
            assertEquals(9, max); // 512 draws from 0..9 reach 9; the default 0..99 would exceed the table
            s.run(RandomInputs.forSession(s, p, null, 5));
            HostTensor wide = RandomInputs.forSession(s, p, new IntRange(50, 60), 5).get("input_ids");
            assertTrue(wide.get(0) >= 50, "an explicit --int-range wins");
        }
    }

    /** Every element type the Java API can feed goes through Identity and comes back with the same values. */
    @Test
    void elementTypesRoundTrip() {
        int[] types = {TensorProto.DataType.FLOAT_VALUE, TensorProto.DataType.DOUBLE_VALUE, TensorProto.DataType.FLOAT16_VALUE,
            TensorProto.DataType.BFLOAT16_VALUE, TensorProto.DataType.INT8_VALUE, TensorProto.DataType.UINT8_VALUE,
            TensorProto.DataType.INT16_VALUE, TensorProto.DataType.INT32_VALUE, TensorProto.DataType.INT64_VALUE,
            TensorProto.DataType.BOOL_VALUE};
        var g = dev.lopper.onnx.proto.Onnx.GraphProto.newBuilder();
        for (int t : types) {
            g.addInput(TinyModels.value("in" + t, t, "batch", 3));
            g.addNode(TinyModels.node("Identity", "id" + t, List.of("in" + t), List.of("out" + t)));
            g.addOutput(TinyModels.value("out" + t, t, "batch", 3));
        }
        try (EvalSession s = open(TinyModels.model(g), "types")) {
            Map<String, HostTensor> in = RandomInputs.create(s.inputs(), ShapePolicy.DEFAULT.withBatchSize(2), new IntRange(0, 1), 9);
            Map<String, HostTensor> out = s.run(in);
            for (int t : types) {
                HostTensor a = in.get("in" + t);
                HostTensor b = out.get("out" + t);
                assertEquals(t, b.elemType());
                assertArrayEquals(new long[] {2, 3}, b.shape());
                assertArrayEquals(a.toFloatArray(), b.toFloatArray(), "type " + t);
            }
            assertEquals(0.5, HostTensor.ofFloats(new long[] {1}, 0.5f).get(0));
        }
    }

    @Test
    void latencyStatsAndListener() {
        LatencyStats s = LatencyStats.of(new double[] {5, 1, 4, 2, 3}, 2);
        assertEquals(3, s.medianMs());
        assertEquals(1.4, s.p10Ms(), 1e-12);
        assertEquals(4.6, s.p90Ms(), 1e-12);
        assertEquals(3, s.meanMs());
        assertEquals(2000.0 / 3, s.throughputPerSec(), 1e-9);
        try (EvalSession m = open(TinyModels.diagonalMatMul(1, 2, 3, 4), "m")) {
            List<LatencyPoint> points = new ArrayList<>();
            Map<String, HostTensor> in = RandomInputs.create(m.inputs(), ShapePolicy.DEFAULT, IntRange.DEFAULT, 1);
            LatencyStats st = LatencyBenchmark.measure(m, in, new LatencyOptions(2, 7), points::add, Progress.NONE);
            assertEquals(9, points.size());
            assertEquals(2, points.stream().filter(LatencyPoint::warmup).count());
            assertEquals(7, st.runs());
            assertTrue(st.p10Ms() <= st.medianMs() && st.medianMs() <= st.p90Ms());
            assertTrue(st.minMs() > 0);
        }
    }

    @Test
    void benchAlternatesModels() {
        try (EvalSession a = open(TinyModels.diagonalMatMul(1, 1, 1, 1), "A"); EvalSession b = open(TinyModels.diagonalMatMul(2, 2, 2, 2), "B")) {
            Map<String, HostTensor> in = RandomInputs.create(a.inputs(), ShapePolicy.DEFAULT, IntRange.DEFAULT, 1);
            List<String> order = new ArrayList<>();
            BenchResult r = InterleavedBench.run(a, in, b, in, new LatencyOptions(1, 5), p -> order.add(p.model()), Progress.NONE);
            assertEquals(List.of("A", "B", "A", "B", "A", "B", "A", "B", "A", "B", "A", "B"), order);
            assertEquals(r.baseline().medianMs() / r.candidate().medianMs(), r.speedup(), 1e-12);
            assertTrue(r.pairedSpeedup() > 0 && Double.isFinite(r.pairedSpeedup()));
            assertEquals(5, r.candidate().runs());
        }
    }

    @Test
    void cancellationTerminatesARunningModel() throws Exception {
        ModelSource slow = ModelSource.of(TinyModels.slowChain(400), null, "slow");
        try (EvalSession s = EvalSession.open(slow, SessionConfig.DEFAULT.withThreads(1))) {
            CancellationToken token = new CancellationToken();
            s.cancelOn(token);
            Map<String, HostTensor> in = RandomInputs.create(s.inputs(), ShapePolicy.DEFAULT, IntRange.DEFAULT, 1);
            Thread canceller = new Thread(() -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException ignored) {
                    // test ends
                }
                token.cancel();
            });
            canceller.start();
            assertThrows(CancelledException.class, () -> {
                for (int i = 0; i < 1000; i++) s.run(in);
            });
            canceller.join();
            assertTrue(s.isTerminated());
            assertThrows(CancelledException.class, () -> s.run(in), "later runs stop at once");
        }
    }

    @Test
    void externalDataLoadsFromPathAndFromBytesWithFolder() throws Exception {
        ByteBuffer w = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++) w.putFloat(i % 5 == 0 ? 3f : 0f);
        Files.write(tmp.resolve("w.bin"), w.array());
        ModelProto m = TinyModels.diagonalMatMul(1, 1, 1, 1);
        TensorProto ext = TensorProto.newBuilder().setName("W").setDataType(TinyModels.FLOAT).addDims(4).addDims(4)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("w.bin"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue("0"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue("64")).build();
        m = m.toBuilder().setGraph(m.getGraph().toBuilder().setInitializer(0, ext)).build();
        Path file = tmp.resolve("ext.onnx");
        Files.write(file, m.toByteArray());
        Map<String, HostTensor> in = Map.of("x", HostTensor.ofFloats(new long[] {1, 4}, 1, 2, 3, 4));
        try (EvalSession a = EvalSession.open(ModelSource.of(file), SessionConfig.DEFAULT);
             EvalSession b = EvalSession.open(ModelSource.of(m.toByteArray(), tmp, "bytes"), SessionConfig.DEFAULT)) {
            assertArrayEquals(new float[] {3, 6, 9, 12}, a.run(in).get("y").toFloatArray());
            assertArrayEquals(new float[] {3, 6, 9, 12}, b.run(in).get("y").toFloatArray());
        }
    }

    @Test
    void unloadableModelIsOneLine() {
        EvalException e = assertThrows(EvalException.class,
                () -> EvalSession.open(ModelSource.of(new byte[] {1, 2, 3}, null, "junk.onnx"), SessionConfig.DEFAULT));
        assertTrue(e.getMessage().startsWith("junk.onnx: ONNX Runtime cannot load the model: "), e.getMessage());
        assertEquals(-1, e.getMessage().indexOf('\n'));
    }
}
