package dev.lopper.prune.sensitivity;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.lopper.runtime.HostTensor;
import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorShapeProto;
import dev.lopper.onnx.proto.Onnx.TypeProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;

/**
 * The part of a model that masking some weights can change: every node downstream of the nodes reading them.
 * Its inputs ("frontier") are the activations it reads from the unchanged part, captured once from the original,
 * plus the masked weights; every other weight stays a constant initializer, so ONNX Runtime optimizes the suffix
 * as usual. Not built (empty) when a node of the suffix has a subgraph (If, Loop, Scan), whose bodies may read
 * tensors by outer-scope name.
 *
 * @param nodes    suffix nodes, in the model's (topological) order, plus the Constant nodes they read
 * @param frontier activations read from outside the suffix (graph inputs included), in first-use order
 * @param outputs  graph outputs the suffix produces (the others cannot change)
 * @param masked   the weights fed as inputs
 */
record SuffixModel(List<NodeProto> nodes, List<String> frontier, List<String> outputs, Set<String> masked) {

    static Optional<SuffixModel> of(ModelProto model, Set<String> masked) {
        GraphProto g = model.getGraph();
        Set<String> inits = new HashSet<>();
        for (TensorProto t : g.getInitializerList()) inits.add(t.getName());
        Set<String> tainted = new HashSet<>(masked);
        boolean[] in = new boolean[g.getNodeCount()];
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            boolean hit = false;
            for (String t : n.getInputList()) if (tainted.contains(t)) hit = true;
            if (!hit) continue;
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasG() || a.getGraphsCount() > 0) return Optional.empty();
            }
            in[i] = true;
            tainted.addAll(n.getOutputList());
        }
        // Constant nodes read by the suffix come along
        Set<String> read = new HashSet<>();
        for (int i = 0; i < in.length; i++) if (in[i]) read.addAll(g.getNode(i).getInputList());
        for (int i = 0; i < in.length; i++) {
            NodeProto n = g.getNode(i);
            if (!in[i] && n.getOpType().equals("Constant") && n.getOutputCount() == 1 && read.contains(n.getOutput(0))
                    && !masked.contains(n.getOutput(0))) in[i] = true;
        }
        List<NodeProto> nodes = new ArrayList<>();
        Set<String> produced = new HashSet<>();
        for (int i = 0; i < in.length; i++) {
            if (!in[i]) continue;
            nodes.add(g.getNode(i));
            produced.addAll(g.getNode(i).getOutputList());
        }
        LinkedHashSet<String> frontier = new LinkedHashSet<>();
        for (NodeProto n : nodes) {
            for (String t : n.getInputList()) {
                if (!t.isEmpty() && !produced.contains(t) && !inits.contains(t) && !masked.contains(t)) frontier.add(t);
            }
        }
        List<String> outputs = g.getOutputList().stream().map(ValueInfoProto::getName).filter(produced::contains).toList();
        if (outputs.isEmpty()) return Optional.empty();
        return Optional.of(new SuffixModel(nodes, List.copyOf(frontier), outputs, Set.copyOf(masked)));
    }

    /** The suffix as a model: frontier activations typed from captured samples (axis 0 left dynamic), masked weights as inputs. */
    ModelProto build(ModelProto model, Map<String, HostTensor> sample, Map<String, long[]> weightDims) {
        GraphProto g = model.getGraph();
        GraphProto.Builder gb = GraphProto.newBuilder().setName(g.getName() + "-suffix").addAllNode(nodes);
        Set<String> used = new HashSet<>();
        for (NodeProto n : nodes) used.addAll(n.getInputList());
        for (TensorProto t : g.getInitializerList()) {
            if (used.contains(t.getName()) && !masked.contains(t.getName())) gb.addInitializer(t);
        }
        for (String f : frontier) {
            HostTensor h = sample.get(f);
            long[] d = h.shape();
            gb.addInput(value(f, h.elemType(), d, true));
        }
        for (String w : masked) {
            if (used.contains(w)) gb.addInput(value(w, TensorProto.DataType.FLOAT_VALUE, weightDims.get(w), false));
        }
        for (ValueInfoProto v : g.getOutputList()) if (outputs.contains(v.getName())) gb.addOutput(v);
        return model.toBuilder().setGraph(gb).build();
    }

    private static ValueInfoProto value(String name, int type, long[] dims, boolean dynamicBatch) {
        TensorShapeProto.Builder sh = TensorShapeProto.newBuilder();
        for (int i = 0; i < dims.length; i++) {
            if (i == 0 && dynamicBatch) sh.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
            else sh.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(dims[i]));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type).setShape(sh))).build();
    }
}
