package dev.lopper.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.GroupAnalysis;
import dev.lopper.analysis.GroupAnalyzer;
import dev.lopper.graph.GraphLoader;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;
import dev.lopper.task.Progress;

/**
 * Pruning a model analysed with a caller-given input shape (batch 1, sequence 17) must not bake those sizes
 * into the rewritten shape constants: the pruned model runs at other batch sizes and sequence lengths and
 * computes exactly what the same plan applied to the analysis without input shapes computes.
 */
class PlanApplierInputShapeTest {
    @ParameterizedTest
    @CsvSource({
            "samples/tiny_encoder.onnx, input_ids",
            "src/test/resources/models/bert_tiny_op13.onnx, input_ids",
            "src/test/resources/models/gpt2_tiny_op13.onnx, input_ids",
    })
    void prunedWithInputShapeKeepsDynamicBatchAndSequence(String file, String input) throws Exception {
        OnnxModel m = OnnxModel.read(Path.of(file));
        GroupAnalysis bound = GroupAnalyzer.analyze(GraphLoader.load(m, Map.of(input, new long[] {1, 17})), Progress.NONE);
        GroupAnalysis free = GroupAnalyzer.analyze(GraphLoader.load(m, Map.of()), Progress.NONE);
        // the same plan for both: a quarter of every group prunable in both analyses (the first channels go)
        Map<String, int[]> kept = new LinkedHashMap<>();
        for (CoupledGroup g : bound.prunableGroups()) {
            CoupledGroup f = free.group(g.id());
            if (f == null || !f.isPrunable() || f.channels() != g.channels()) continue;
            int keep = Math.max(Math.max(1, g.minChannels()), g.channels() - g.channels() / 4);
            if (g.multipleOf() > 1) keep = Math.max(g.multipleOf(), keep / g.multipleOf() * g.multipleOf());
            if (keep >= g.channels()) continue;
            int[] k = new int[keep];
            for (int i = 0; i < keep; i++) k[i] = g.channels() - keep + i;
            kept.put(g.id(), k);
        }
        assertTrue(kept.size() >= 2, file + ": groups pruned " + kept.keySet());
        byte[] withShape = PlanApplier.apply(m, bound, kept).toByteArray();
        byte[] without = PlanApplier.apply(m, free, kept).toByteArray();
        byte[] original = m.proto().toByteArray();
        for (long[] dims : new long[][] {{4, 17}, {4, 9}, {1, 17}}) {
            Map<String, float[]> o = run(original, input, dims, null);
            Map<String, long[]> shapes = new LinkedHashMap<>();
            Map<String, float[]> a = run(withShape, input, dims, shapes);
            Map<String, long[]> shapesFree = new LinkedHashMap<>();
            Map<String, float[]> b = run(without, input, dims, shapesFree);
            assertEquals(o.keySet(), a.keySet());
            for (String k : a.keySet()) {
                assertArrayEquals(shapesFree.get(k), shapes.get(k), file + " " + k + " at " + dims[0] + "x" + dims[1]);
                assertEquals(dims[0], shapes.get(k)[0], file + " " + k + ": batch of the output");
                assertEquals(o.get(k).length, a.get(k).length, file + " " + k + ": output size");
                double diff = 0;
                for (int i = 0; i < a.get(k).length; i++) diff = Math.max(diff, Math.abs(a.get(k)[i] - b.get(k)[i]));
                assertTrue(diff < 1e-4, file + " " + k + " at " + dims[0] + "x" + dims[1] + ": differs by " + diff);
            }
        }
    }

    /** Runs the model on seeded token ids of the given shape (other int inputs: mask 1, type ids 0). */
    private static Map<String, float[]> run(byte[] model, String ids, long[] dims, Map<String, long[]> shapes) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        ModelProto p = ModelProto.parseFrom(model);
        java.util.Set<String> inits = new java.util.HashSet<>();
        for (TensorProto t : p.getGraph().getInitializerList()) inits.add(t.getName());
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        Map<String, float[]> out = new LinkedHashMap<>();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession s = env.createSession(model, opts)) {
                Random r = new Random(11);
                int n = (int) (dims[0] * dims[1]);
                for (ValueInfoProto v : p.getGraph().getInputList()) {
                    if (inits.contains(v.getName())) continue;
                    long[] vals = new long[n];
                    for (int i = 0; i < n; i++) {
                        vals[i] = v.getName().equals(ids) ? r.nextInt(50) : v.getName().contains("mask") ? 1 : 0;
                    }
                    in.put(v.getName(), OnnxTensor.createTensor(env, LongBuffer.wrap(vals), dims));
                }
                try (OrtSession.Result res = s.run(in)) {
                    for (Map.Entry<String, OnnxValue> e : res) {
                        OnnxTensor t = (OnnxTensor) e.getValue();
                        if (shapes != null) shapes.put(e.getKey(), t.getInfo().getShape());
                        FloatBuffer fb = t.getFloatBuffer();
                        float[] vals = new float[fb.remaining()];
                        fb.get(vals);
                        out.put(e.getKey(), vals);
                    }
                }
            }
        } finally {
            for (OnnxTensor t : in.values()) t.close();
        }
        return out;
    }
}
