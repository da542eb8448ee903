package dev.lopper.prune.obspa;

import java.util.HashSet;
import java.util.Set;

import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/**
 * One model that runs the original and an edited copy side by side on the same inputs and concatenates one tensor of
 * each ({@link #JOINT} = Concat(original's t, edited's t)), so that one capture measures the joint second moments
 * E[[x; x̂][x; x̂]ᵀ] of the original and the edited model's activation on the same samples.
 */
final class JointModel {
    private JointModel() {}

    static final String JOINT = "lopper_joint";
    static final String PREFIX = "lopper_edited/";

    /**
     * @param axis the Concat axis (1 for NCHW feature maps, −1 for features last)
     * @return the merged model, or null when the edited graph has subgraphs (their outer names are not renamed)
     */
    static ModelProto merge(ModelProto original, ModelProto edited, String tensor, int axis) {
        GraphProto eg = edited.getGraph();
        Set<String> inputs = new HashSet<>();
        eg.getInputList().forEach(v -> inputs.add(v.getName()));
        GraphProto.Builder gb = original.getGraph().toBuilder();
        for (TensorProto t : eg.getInitializerList()) {
            if (inputs.contains(t.getName())) return null; // an initializer that is also an input: keep it simple
            gb.addInitializer(t.toBuilder().setName(PREFIX + t.getName()));
        }
        for (NodeProto n : eg.getNodeList()) {
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasG() || a.getGraphsCount() > 0) return null;
            }
            NodeProto.Builder nb = n.toBuilder().setName(PREFIX + n.getName());
            for (int i = 0; i < nb.getInputCount(); i++) {
                String in = nb.getInput(i);
                if (!in.isEmpty() && !inputs.contains(in)) nb.setInput(i, PREFIX + in);
            }
            for (int i = 0; i < nb.getOutputCount(); i++) {
                if (!nb.getOutput(i).isEmpty()) nb.setOutput(i, PREFIX + nb.getOutput(i));
            }
            gb.addNode(nb);
        }
        String other = inputs.contains(tensor) ? tensor : PREFIX + tensor;
        gb.addNode(NodeProto.newBuilder().setOpType("Concat").setName(JOINT).addInput(tensor).addInput(other).addOutput(JOINT)
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(axis)));
        return original.toBuilder().setGraph(gb).build();
    }
}
