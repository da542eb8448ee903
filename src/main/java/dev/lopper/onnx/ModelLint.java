package dev.lopper.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.OperatorSetIdProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/**
 * The validation pass shared by {@code inspect}, {@code groups}, {@code prune} and {@code eval}: attributes of the
 * common ops checked against the ONNX spec (Conv/ConvTranspose group, strides, dilations, pads, kernel_shape, bias
 * length; pooling strides and kernels; BatchNormalization parameter lengths; string-typed weights) and opsets newer
 * than Lopper knows. Each problem is one line naming the node. {@code inspect} and {@code groups} print them as
 * warnings; {@code prune} refuses a model that has any, since ONNX Runtime would reject it or pruning would act on
 * garbage. Main graph only; subgraph bodies are checked by ONNX Runtime.
 */
public final class ModelLint {
    private ModelLint() {}

    /** The newest default-domain opset Lopper's rules know. */
    public static final long MAX_KNOWN_OPSET = 22;

    public static List<String> check(ModelProto model) {
        List<String> out = new ArrayList<>();
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            String d = o.getDomain();
            if ((d.isEmpty() || d.equals("ai.onnx")) && (o.getVersion() > MAX_KNOWN_OPSET || o.getVersion() < 1)) {
                out.add("opset " + o.getVersion() + " is " + (o.getVersion() < 1 ? "invalid" : "newer than Lopper knows ("
                        + MAX_KNOWN_OPSET + ")"));
            }
        }
        if (!model.hasGraph()) return out;
        GraphProto g = model.getGraph();
        Map<String, TensorProto> inits = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) inits.put(t.getName(), t);
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) continue;
            String label = "node '" + Messages.printable(n.getName().isEmpty() ? n.getOpType() + "#" + i : n.getName(), 80) + "' ("
                    + Messages.printable(n.getOpType(), 40) + ")";
            switch (n.getOpType()) {
                case "Conv", "ConvTranspose", "ConvInteger" -> conv(n, label, inits, out);
                case "MaxPool", "AveragePool", "LpPool" -> pool(n, label, out);
                case "BatchNormalization" -> batchNorm(n, label, inits, out);
                case "Gemm", "MatMul" -> weights(n, label, inits, out);
                default -> { }
            }
            if (out.size() > 50) break;
        }
        return out;
    }

    private static void conv(NodeProto n, String label, Map<String, TensorProto> inits, List<String> out) {
        weights(n, label, inits, out);
        long group = intAttr(n, "group", 1);
        if (group < 1) out.add(label + ": group " + group + " must be >= 1");
        TensorProto w = n.getInputCount() > 1 ? inits.get(n.getInput(1)) : null;
        int spatial = w != null && w.getDimsCount() >= 3 ? w.getDimsCount() - 2 : -1;
        boolean transpose = n.getOpType().equals("ConvTranspose");
        if (w != null && w.getDimsCount() < 3) out.add(label + ": weight has rank " + w.getDimsCount() + ", needs at least 3");
        if (w != null && w.getDimsCount() >= 3 && group >= 1) {
            long outCh = transpose ? w.getDims(1) * group : w.getDims(0);
            if (!transpose && outCh % group != 0) {
                out.add(label + ": group " + group + " does not divide the " + outCh + " output channels");
            }
            if (!n.getOpType().equals("ConvInteger") && n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                TensorProto b = inits.get(n.getInput(2));
                if (b != null && (b.getDimsCount() != 1 || b.getDims(0) != outCh)) {
                    out.add(label + ": bias has " + (b.getDimsCount() == 1 ? b.getDims(0) + " values" : "rank " + b.getDimsCount())
                            + " for " + outCh + " output channels");
                }
            }
        }
        spatialAttrs(n, label, spatial, out);
    }

    private static void pool(NodeProto n, String label, List<String> out) {
        long[] k = intsAttr(n, "kernel_shape");
        if (k == null) {
            out.add(label + ": kernel_shape is required");
            return;
        }
        for (long v : k) if (v < 1) out.add(label + ": kernel_shape " + str(k) + " has a size < 1");
        spatialAttrs(n, label, k.length, out);
    }

    private static void spatialAttrs(NodeProto n, String label, int spatial, List<String> out) {
        long[] strides = intsAttr(n, "strides");
        long[] dil = intsAttr(n, "dilations");
        long[] pads = intsAttr(n, "pads");
        long[] kernel = n.getOpType().startsWith("Conv") ? intsAttr(n, "kernel_shape") : null;
        if (strides != null) {
            for (long v : strides) if (v < 1) { out.add(label + ": strides " + str(strides) + " must be >= 1"); break; }
            if (spatial >= 0 && strides.length != spatial) out.add(label + ": " + strides.length + " strides for " + spatial + " spatial dims");
        }
        if (dil != null) {
            for (long v : dil) if (v < 1) { out.add(label + ": dilations " + str(dil) + " must be >= 1"); break; }
            if (spatial >= 0 && dil.length != spatial) out.add(label + ": " + dil.length + " dilations for " + spatial + " spatial dims");
        }
        if (pads != null) {
            for (long v : pads) if (v < 0) { out.add(label + ": pads " + str(pads) + " must be >= 0"); break; }
            if (spatial >= 0 && pads.length != 2 * spatial) {
                out.add(label + ": " + pads.length + " pads for " + spatial + " spatial dims (needs " + 2 * spatial + ")");
            }
        }
        if (kernel != null && spatial >= 0 && kernel.length != spatial) {
            out.add(label + ": kernel_shape " + str(kernel) + " does not match " + spatial + " spatial dims");
        }
    }

    private static void batchNorm(NodeProto n, String label, Map<String, TensorProto> inits, List<String> out) {
        long len = -1;
        for (int i = 1; i < Math.min(5, n.getInputCount()); i++) {
            TensorProto t = inits.get(n.getInput(i));
            if (t == null) continue;
            if (t.getDataType() == TensorProto.DataType.STRING_VALUE) {
                out.add(label + ": parameter '" + Messages.printable(t.getName(), 80) + "' holds strings, not numbers");
                continue;
            }
            if (t.getDimsCount() != 1) {
                out.add(label + ": parameter '" + Messages.printable(t.getName(), 80) + "' has rank " + t.getDimsCount() + ", needs 1");
                continue;
            }
            if (len >= 0 && t.getDims(0) != len) {
                out.add(label + ": parameters have different lengths (" + len + " and " + t.getDims(0) + ")");
                return;
            }
            len = t.getDims(0);
        }
    }

    private static void weights(NodeProto n, String label, Map<String, TensorProto> inits, List<String> out) {
        for (int i = 0; i < n.getInputCount(); i++) {
            TensorProto t = inits.get(n.getInput(i));
            if (t != null && t.getDataType() == TensorProto.DataType.STRING_VALUE) {
                out.add(label + ": input '" + Messages.printable(t.getName(), 80) + "' holds strings, not numbers");
            }
        }
    }

    private static long intAttr(NodeProto n, String name, long dflt) {
        for (AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a.getI();
        return dflt;
    }

    private static long[] intsAttr(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
        }
        return null;
    }

    private static String str(long[] v) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length && i < 8; i++) b.append(i == 0 ? "" : ",").append(v[i]);
        return b.append(v.length > 8 ? ",…]" : "]").toString();
    }
}
