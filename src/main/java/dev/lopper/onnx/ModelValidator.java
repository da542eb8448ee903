package dev.lopper.onnx;

import java.util.HashSet;
import java.util.Set;

import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;

/** Structural checks that turn malformed models into one-line errors. */
final class ModelValidator {
    private ModelValidator() {}

    static void validate(OnnxModel model) throws ModelLoadException {
        ModelProto p = model.proto();
        if (!p.hasGraph()) {
            if (p.getIrVersion() == 0 && p.getOpsetImportCount() == 0) {
                throw new ModelLoadException(model.path(), "not an ONNX model (no IR version, opsets or graph)");
            }
            throw new ModelLoadException(model.path(), "model has no graph");
        }
        GraphProto g = p.getGraph();
        Set<String> defined = new HashSet<>();
        g.getInputList().forEach(v -> defined.add(v.getName()));
        g.getInitializerList().forEach(t -> defined.add(t.getName()));
        g.getSparseInitializerList().forEach(t -> defined.add(t.getValues().getName()));
        defined.add("");
        Set<String> outputs = new HashSet<>();
        for (var n : g.getNodeList()) {
            for (String o : n.getOutputList()) {
                if (!o.isEmpty() && !outputs.add(o)) {
                    throw new ModelLoadException(model.path(), "tensor '" + o + "' is produced by more than one node");
                }
            }
        }
        // Topological check (Kahn) reports cycles and undefined inputs.
        GraphChecks.checkOrder(model.path(), g, defined);
    }
}
