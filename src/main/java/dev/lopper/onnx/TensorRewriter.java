package dev.lopper.onnx;

import java.io.IOException;
import java.util.List;

import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.FunctionProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.SparseTensorProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TrainingInfoProto;

/**
 * Replaces tensors anywhere in a model (the same places {@link TensorWalker} visits, in the same order).
 * Messages whose tensors all come back unchanged (the same instance) are kept as they are, so an
 * identity rewrite returns the very same model.
 */
final class TensorRewriter {
    private TensorRewriter() {}

    @FunctionalInterface
    interface Fn {
        TensorProto apply(TensorProto t) throws IOException;
    }

    static ModelProto model(ModelProto m, Fn f) throws IOException {
        ModelProto.Builder b = null;
        if (m.hasGraph()) {
            GraphProto g = graph(m.getGraph(), f);
            if (g != m.getGraph()) (b = m.toBuilder()).setGraph(g);
        }
        List<TrainingInfoProto> tis = m.getTrainingInfoList();
        for (int i = 0; i < tis.size(); i++) {
            TrainingInfoProto ti = tis.get(i);
            TrainingInfoProto.Builder tb = null;
            if (ti.hasInitialization()) {
                GraphProto g = graph(ti.getInitialization(), f);
                if (g != ti.getInitialization()) (tb = ti.toBuilder()).setInitialization(g);
            }
            if (ti.hasAlgorithm()) {
                GraphProto g = graph(ti.getAlgorithm(), f);
                if (g != ti.getAlgorithm()) (tb = tb != null ? tb : ti.toBuilder()).setAlgorithm(g);
            }
            if (tb != null) (b = b != null ? b : m.toBuilder()).setTrainingInfo(i, tb);
        }
        List<FunctionProto> fns = m.getFunctionsList();
        for (int i = 0; i < fns.size(); i++) {
            FunctionProto fn = fns.get(i);
            FunctionProto.Builder fb = null;
            for (int j = 0; j < fn.getNodeCount(); j++) {
                NodeProto n = node(fn.getNode(j), f);
                if (n != fn.getNode(j)) (fb = fb != null ? fb : fn.toBuilder()).setNode(j, n);
            }
            if (fb != null) (b = b != null ? b : m.toBuilder()).setFunctions(i, fb);
        }
        return b == null ? m : b.build();
    }

    static GraphProto graph(GraphProto g, Fn f) throws IOException {
        GraphProto.Builder b = null;
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = f.apply(g.getInitializer(i));
            if (t != g.getInitializer(i)) (b = b != null ? b : g.toBuilder()).setInitializer(i, t);
        }
        for (int i = 0; i < g.getSparseInitializerCount(); i++) {
            SparseTensorProto s = sparse(g.getSparseInitializer(i), f);
            if (s != g.getSparseInitializer(i)) (b = b != null ? b : g.toBuilder()).setSparseInitializer(i, s);
        }
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = node(g.getNode(i), f);
            if (n != g.getNode(i)) (b = b != null ? b : g.toBuilder()).setNode(i, n);
        }
        return b == null ? g : b.build();
    }

    private static NodeProto node(NodeProto n, Fn f) throws IOException {
        NodeProto.Builder b = null;
        for (int i = 0; i < n.getAttributeCount(); i++) {
            AttributeProto a = attribute(n.getAttribute(i), f);
            if (a != n.getAttribute(i)) (b = b != null ? b : n.toBuilder()).setAttribute(i, a);
        }
        return b == null ? n : b.build();
    }

    private static AttributeProto attribute(AttributeProto a, Fn f) throws IOException {
        AttributeProto.Builder b = null;
        if (a.hasT()) {
            TensorProto t = f.apply(a.getT());
            if (t != a.getT()) (b = a.toBuilder()).setT(t);
        }
        for (int i = 0; i < a.getTensorsCount(); i++) {
            TensorProto t = f.apply(a.getTensors(i));
            if (t != a.getTensors(i)) (b = b != null ? b : a.toBuilder()).setTensors(i, t);
        }
        if (a.hasSparseTensor()) {
            SparseTensorProto s = sparse(a.getSparseTensor(), f);
            if (s != a.getSparseTensor()) (b = b != null ? b : a.toBuilder()).setSparseTensor(s);
        }
        for (int i = 0; i < a.getSparseTensorsCount(); i++) {
            SparseTensorProto s = sparse(a.getSparseTensors(i), f);
            if (s != a.getSparseTensors(i)) (b = b != null ? b : a.toBuilder()).setSparseTensors(i, s);
        }
        if (a.hasG()) {
            GraphProto g = graph(a.getG(), f);
            if (g != a.getG()) (b = b != null ? b : a.toBuilder()).setG(g);
        }
        for (int i = 0; i < a.getGraphsCount(); i++) {
            GraphProto g = graph(a.getGraphs(i), f);
            if (g != a.getGraphs(i)) (b = b != null ? b : a.toBuilder()).setGraphs(i, g);
        }
        return b == null ? a : b.build();
    }

    private static SparseTensorProto sparse(SparseTensorProto s, Fn f) throws IOException {
        SparseTensorProto.Builder b = null;
        if (s.hasValues()) {
            TensorProto t = f.apply(s.getValues());
            if (t != s.getValues()) (b = s.toBuilder()).setValues(t);
        }
        if (s.hasIndices()) {
            TensorProto t = f.apply(s.getIndices());
            if (t != s.getIndices()) (b = b != null ? b : s.toBuilder()).setIndices(t);
        }
        return b == null ? s : b.build();
    }
}
