package dev.lopper.runtime;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/**
 * Valid ranges of integer graph inputs that index into a constant table (token ids into an embedding):
 * an input used as the indices of a lookup op whose table is an initializer may take values
 * {@code 0 .. tableSize(axis) - 1}. The ops that look up by index are listed in one table here.
 */
public final class IndexRangeInference {
    /** Lookup op type -> (position of the table input, position of the indices input). */
    private static final Map<String, int[]> LOOKUP_OPS = Map.of("Gather", new int[] {0, 1});

    private IndexRangeInference() {}

    /** Ranges for graph inputs that index constant tables, by input name (the tightest over all their uses). */
    public static Map<String, IntRange> infer(ModelProto model) {
        GraphProto g = model.getGraph();
        Map<String, TensorProto> inits = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) inits.put(t.getName(), t);
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (NodeProto n : g.getNodeList()) {
            int[] pos = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx") ? LOOKUP_OPS.get(n.getOpType()) : null;
            if (pos == null || n.getInputCount() <= Math.max(pos[0], pos[1])) continue;
            TensorProto table = inits.get(n.getInput(pos[0]));
            String indices = n.getInput(pos[1]);
            if (table == null || inits.containsKey(indices)) continue;
            long axis = 0;
            for (AttributeProto a : n.getAttributeList()) if (a.getName().equals("axis")) axis = a.getI();
            int rank = table.getDimsCount();
            if (axis < 0) axis += rank;
            if (axis < 0 || axis >= rank) continue;
            long size = table.getDims((int) axis);
            sizes.merge(indices, size, Math::min);
        }
        Map<String, IntRange> out = new LinkedHashMap<>();
        for (var in : g.getInputList()) {
            Long s = sizes.get(in.getName());
            if (s != null && s > 0) out.put(in.getName(), new IntRange(0, s - 1));
        }
        return out;
    }
}
