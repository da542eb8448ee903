package dev.lopper.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.lopper.graph.GraphLoader;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.prune.PlanApplier;
import dev.lopper.task.Progress;
import dev.lopper.testutil.Oracle;

/**
 * Quantized models are pruned as they are: QLinearConv / QDQ (per-channel int8 weights, scales and zero points
 * sliced with the channels) and DynamicQuantizeLinear + MatMulInteger. The pruned model keeps every op and every
 * tensor type (nothing is dequantized) and matches the original with the channel's weights zeroed.
 */
class QuantizedGroupsTest {
    static final Path DIR = Path.of("src/test/resources/models");

    static Map<String, Integer> types(ModelProto m) {
        Map<String, Integer> t = new TreeMap<>();
        for (TensorProto i : m.getGraph().getInitializerList()) t.put(i.getName(), i.getDataType());
        return t;
    }

    static List<String> ops(ModelProto m) {
        List<String> o = new ArrayList<>();
        for (NodeProto n : m.getGraph().getNodeList()) o.add(n.getOpType());
        return o;
    }

    @ParameterizedTest
    @CsvSource({"quantized_qlinearconv_op13.onnx, g:qconv1/out, 8, w1_scale, 0",
            "quantized_qlinearconv_op13.onnx, g:qconv2/out, 8, w3_q, 1",
            "matmul_integer_op13.onnx, g:mmi1/out, 64, w2_q, 0"})
    void prunedStaysQuantizedAndMatchesTheZeroedOriginal(String file, String group, int channels, String sliced, int axis) throws Exception {
        OnnxModel model = OnnxModel.read(DIR.resolve(file));
        GroupAnalysis a = GroupAnalyzer.analyze(GraphLoader.load(model, Map.of()), Progress.NONE);
        CoupledGroup g = a.group(group);
        assertTrue(g != null && g.isPrunable(), group + " " + (g == null ? "missing" : g.lockReasons()));
        assertEquals(channels, g.channels());
        assertTrue(a.summary().prunableParamFraction() > 0.97, "coverage " + a.summary().prunableParamFraction());

        ModelProto pruned = PlanApplier.apply(model, a, Map.of(g.id(), PlanApplier.keepAllBut(channels, 1, 2)));
        assertEquals(ops(model.proto()), ops(pruned), "same ops: nothing dequantized");
        assertEquals(types(model.proto()), types(pruned), "same tensors, same types");
        long before = -1, after = -1;
        for (TensorProto t : model.proto().getGraph().getInitializerList()) if (t.getName().equals(sliced)) before = t.getDims(axis);
        for (TensorProto t : pruned.getGraph().getInitializerList()) if (t.getName().equals(sliced)) after = t.getDims(axis);
        assertEquals(before - 2, after, sliced + " loses the two channels");

        Map<String, Oracle.Output> out = Oracle.run(pruned.toByteArray(), 11, 6);
        Map<String, Oracle.Output> zeroed = Oracle.run(Oracle.zeroChannels(model, a, g, 1, 2).toByteArray(), 11, 6);
        assertTrue(Oracle.maxDiff(zeroed, out) < 1e-4, "pruned vs zeroed: " + Oracle.maxDiff(zeroed, out));
    }
}
