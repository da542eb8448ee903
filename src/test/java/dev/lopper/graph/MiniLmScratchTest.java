package dev.lopper.graph;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.lopper.onnx.OnnxModel;

class MiniLmScratchTest {
    @Test
    void dump() throws Exception {
        Path p = Path.of("/tmp/graphwork/all-minilm-l6-v2.onnx");
        OnnxModel m = OnnxModel.read(p);
        System.out.println(m.proto().getProducerName() + " " + m.proto().getOpsetImportList());
        ModelGraph raw = GraphLoader.load(m, Map.of(), Standardizer.Mode.STANDARDIZED, dev.lopper.task.Progress.NONE);
        var ct = raw.constant("/encoder/layer.0/attention/self/Constant_output_0");
        System.out.println("CONST " + ct.getDataType() + " dims=" + ct.getDimsList() + " raw=" + ct.hasRawData() + " " + ct.getRawData().size() + " i64=" + ct.getInt64DataCount() + " loc=" + ct.getDataLocation() + " -> " + ConstantEvaluator.decode(m, ct));
        int c = 0;
        for (Node n : raw.nodes()) {
            if (c++ > 70) break;
            StringBuilder sb = new StringBuilder("  " + n + " attrs=" + n.attributes().keySet() + " ");
            for (String in : n.inputs()) sb.append(in).append(':').append(raw.shape(in)).append(raw.isConstant(in) ? "=C" + raw.constant(in).getDimsList() + raw.constant(in).getDataType() : "").append(raw.value(in) != null ? "v" + raw.value(in) : "").append(' ');
            sb.append(" -> ");
            for (String o : n.outputs()) sb.append(o).append(':').append(raw.shape(o)).append(raw.value(o) != null ? "v" + raw.value(o) : "");
            System.out.println(sb);
        }
        if (true) return;
        for (var mode : Standardizer.Mode.values()) {
            for (Map<String, long[]> shapes : java.util.List.of(Map.<String, long[]>of(), Map.of("input_ids", new long[] {1, 16}))) {
                long t0 = System.nanoTime();
                ModelGraph g = GraphLoader.load(m, shapes, mode, dev.lopper.task.Progress.NONE);
                long t1 = System.nanoTime();
                Map<String, Integer> h = new TreeMap<>();
                for (Node n : g.nodes()) h.merge(n.opType(), 1, Integer::sum);
                System.out.println(mode + " " + shapes.keySet() + " " + (t1 - t0) / 1e6 + " ms nodes=" + g.nodes().size() + " " + h + " " + Standardizer.summary(g));
                for (Node n : g.nodes()) {
                    if (n.opType().equals("Reshape") || n.opType().equals("MatMul") && g.nodes().indexOf(n) < 60) System.out.println("  " + n + " " + n.inputs() + " -> " + g.shape(n.output(0)));
                }
                System.out.println("  outputs " + g.outputs() + " " + g.shape(g.outputs().get(0)) + " inputs " + g.inputs());
            }
        }
    }
}
