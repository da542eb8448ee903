package dev.lopper.onnx;

import java.util.function.Consumer;

import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.FunctionProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.SparseTensorProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TrainingInfoProto;

/** Visits every TensorProto of a model: initializers, sparse initializers, node attributes, subgraphs, functions. */
public final class TensorWalker {
    private TensorWalker() {}

    /** A visitor that may fail with a model error. */
    @FunctionalInterface
    public interface TensorVisitor {
        void visit(TensorProto t) throws ModelLoadException;
    }

    public static void forEach(ModelProto m, TensorVisitor v) throws ModelLoadException {
        if (m.hasGraph()) graph(m.getGraph(), v);
        for (TrainingInfoProto ti : m.getTrainingInfoList()) {
            if (ti.hasInitialization()) graph(ti.getInitialization(), v);
            if (ti.hasAlgorithm()) graph(ti.getAlgorithm(), v);
        }
        for (FunctionProto f : m.getFunctionsList()) {
            for (NodeProto n : f.getNodeList()) node(n, v);
        }
    }

    public static void graph(GraphProto g, TensorVisitor v) throws ModelLoadException {
        for (TensorProto t : g.getInitializerList()) v.visit(t);
        for (SparseTensorProto s : g.getSparseInitializerList()) sparse(s, v);
        for (NodeProto n : g.getNodeList()) node(n, v);
    }

    private static void node(NodeProto n, TensorVisitor v) throws ModelLoadException {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.hasT()) v.visit(a.getT());
            for (TensorProto t : a.getTensorsList()) v.visit(t);
            if (a.hasSparseTensor()) sparse(a.getSparseTensor(), v);
            for (SparseTensorProto s : a.getSparseTensorsList()) sparse(s, v);
            if (a.hasG()) graph(a.getG(), v);
            for (GraphProto g : a.getGraphsList()) graph(g, v);
        }
    }

    private static void sparse(SparseTensorProto s, TensorVisitor v) throws ModelLoadException {
        if (s.hasValues()) v.visit(s.getValues());
        if (s.hasIndices()) v.visit(s.getIndices());
    }

    /** Like {@link #forEach} for visitors that cannot fail. */
    public static void forEachQuietly(ModelProto m, Consumer<TensorProto> c) {
        try {
            forEach(m, c::accept);
        } catch (ModelLoadException e) {
            throw new IllegalStateException(e);
        }
    }
}
