package dev.lopper.onnx;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TypeProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;

/**
 * Structural checks that turn malformed models into one-line errors. Only cheap checks: names, types,
 * sizes and external data file lengths; no tensor data is read. Nodes inside If/Loop/Scan bodies may
 * read outer-scope names, so references are only checked in the main graph.
 */
final class ModelValidator {
    private ModelValidator() {}

    static void validate(OnnxModel model) throws ModelLoadException {
        Path file = model.path();
        ModelProto p = model.proto();
        if (!p.hasGraph()) {
            if (p.getOpsetImportCount() == 0 || !p.getUnknownFields().asMap().isEmpty()) {
                throw new ModelLoadException(file, "not an ONNX model (the protobuf has no graph and no opset "
                        + "imports; is it a tensor or another kind of protobuf file?)");
            }
            throw new ModelLoadException(file, "model has no graph");
        }
        if (p.getOpsetImportCount() == 0 && p.getIrVersion() >= 3) {
            throw new ModelLoadException(file, "model declares IR version " + p.getIrVersion()
                    + " but imports no operator set (is the file truncated?)");
        }
        GraphProto g = p.getGraph();
        int depth = nesting(g, 0);
        if (depth > MAX_SUBGRAPH_DEPTH) {
            throw new ModelLoadException(file, "subgraphs (If/Loop/Scan bodies) are nested more than " + MAX_SUBGRAPH_DEPTH
                    + " deep; Lopper refuses such models (ONNX Runtime's loading time grows exponentially with the depth)");
        }
        Set<String> defined = new HashSet<>();
        Set<String> inputNames = new HashSet<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (!inputNames.add(v.getName())) {
                throw new ModelLoadException(file, "graph input '" + v.getName() + "' is declared twice");
            }
            checkValueType(file, "input", v);
            defined.add(v.getName());
        }
        for (ValueInfoProto v : g.getOutputList()) checkValueType(file, "output", v);
        Set<String> initNames = new HashSet<>();
        for (TensorProto t : g.getInitializerList()) {
            if (!initNames.add(t.getName())) {
                throw new ModelLoadException(file, "initializer '" + t.getName() + "' is declared twice");
            }
            checkTensor(file, t, "initializer");
            defined.add(t.getName());
        }
        g.getSparseInitializerList().forEach(t -> defined.add(t.getValues().getName()));
        defined.add("");

        List<NodeProto> nodes = g.getNodeList();
        Map<String, Integer> producedBy = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            if (n.getOpType().isEmpty()) {
                throw new ModelLoadException(file, "node '" + GraphChecks.nodeLabel(n, i) + "' has no op type");
            }
            for (String o : n.getOutputList()) {
                if (o.isEmpty()) continue;
                Integer before = producedBy.putIfAbsent(o, i);
                if (before != null) {
                    throw new ModelLoadException(file, "tensor '" + o + "' is produced twice (by nodes '"
                            + GraphChecks.nodeLabel(nodes.get(before), before) + "' and '"
                            + GraphChecks.nodeLabel(n, i) + "')");
                }
                if (defined.contains(o)) {
                    throw new ModelLoadException(file, "tensor '" + o + "' is produced twice (node '"
                            + GraphChecks.nodeLabel(n, i) + "' writes a graph input or initializer of that name)");
                }
            }
        }
        // Topological check (Kahn) reports cycles, undefined inputs and bad graph outputs.
        GraphChecks.checkOrder(file, g, defined);
        checkAllTensors(model);
    }

    /** {@code offset + length} as text, without overflow. */
    static String end(long offset, long length) {
        return length > Long.MAX_VALUE - offset ? "2^63+" : Long.toString(offset + length);
    }

    /** Deepest nesting of subgraphs allowed (If/Loop/Scan bodies inside bodies). */
    static final int MAX_SUBGRAPH_DEPTH = 16;

    /** Nesting depth of subgraphs below {@code g} (stops counting past the limit). */
    private static int nesting(GraphProto g, int level) {
        if (level > MAX_SUBGRAPH_DEPTH) return level;
        int max = level;
        for (NodeProto n : g.getNodeList()) {
            for (dev.lopper.onnx.proto.Onnx.AttributeProto a : n.getAttributeList()) {
                if (a.hasG()) max = Math.max(max, nesting(a.getG(), level + 1));
                for (GraphProto sub : a.getGraphsList()) max = Math.max(max, nesting(sub, level + 1));
                if (max > MAX_SUBGRAPH_DEPTH) return max;
            }
        }
        return max;
    }

    private static void checkValueType(Path file, String role, ValueInfoProto v) throws ModelLoadException {
        if (!v.hasType()) return;
        TypeProto t = v.getType();
        if (t.hasTensorType() && t.getTensorType().hasElemType()) {
            int et = t.getTensorType().getElemType();
            if (!ElementType.isKnown(et)) {
                throw new ModelLoadException(file, "graph " + role + " '" + v.getName()
                        + "' has an unknown element type (" + et + ")");
            }
        }
    }

    /** Element type, dims and inline data size of one tensor. */
    private static void checkTensor(Path file, TensorProto t, String role) throws ModelLoadException {
        int et = t.getDataType();
        if (!ElementType.isKnown(et)) {
            throw new ModelLoadException(file, role + " '" + t.getName() + "' has an unknown element type (" + et + ")");
        }
        long count = 1;
        for (int i = 0; i < t.getDimsCount(); i++) {
            long d = t.getDims(i);
            if (d < 0) {
                throw new ModelLoadException(file, role + " '" + t.getName() + "' has a negative dimension (" + d + ")");
            }
            count = multiplyOrMax(count, d);
        }
        if (t.hasSegment() || OnnxModel.isExternal(t)) return;
        long expected = TensorCodec.byteSize(et, count);
        if (t.hasRawData()) {
            if (expected >= 0 && t.getRawData().size() != expected) {
                throw new ModelLoadException(file, role + " '" + t.getName() + "' has " + t.getRawData().size()
                        + " bytes of data but " + describe(t) + " needs " + expected);
            }
        } else if (expected >= 0) {
            long entries = TensorCodec.typedEntries(et, count);
            int have = TensorCodec.typedCount(t);
            if (have != entries) {
                throw new ModelLoadException(file, role + " '" + t.getName() + "' has " + have
                        + " values but " + describe(t) + " needs " + entries);
            }
        }
    }

    private static long multiplyOrMax(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 64;
        }
    }

    static String describe(TensorProto t) {
        StringBuilder sb = new StringBuilder(ElementType.name(t.getDataType())).append('[');
        for (int i = 0; i < t.getDimsCount(); i++) sb.append(i == 0 ? "" : ",").append(t.getDims(i));
        return sb.append(']').toString();
    }

    /** Every tensor anywhere in the model: known type; external data present and long enough (metadata only). */
    private static void checkAllTensors(OnnxModel model) throws ModelLoadException {
        Path file = model.path();
        Map<Path, Long> sizes = new HashMap<>();
        TensorWalker.forEach(model.proto(), t -> {
            if (!OnnxModel.isExternal(t)) return;
            checkTensor(file, t, "tensor");
            ExternalDataRef ref = ExternalDataRef.of(file, t);
            Path data = ref.resolve(file, model.baseDir());
            Long size = sizes.get(data);
            if (size == null) {
                if (!Files.exists(data)) {
                    throw new ModelLoadException(file, "external data file '" + ref.location() + "' for tensor '"
                            + t.getName() + "' is missing");
                }
                if (!Files.isRegularFile(data)) {
                    throw new ModelLoadException(file, "external data file '" + ref.location() + "' for tensor '"
                            + t.getName() + "' is not a regular file");
                }
                try {
                    size = Files.size(data);
                } catch (java.io.IOException e) {
                    throw new ModelLoadException(file, "cannot read external data file '" + ref.location() + "': "
                            + ModelReader.describe(e), e);
                }
                sizes.put(data, size);
            }
            long expected = OnnxModel.expectedBytes(t);
            if (ref.length() >= 0 && expected >= 0 && ref.length() != expected) {
                throw new ModelLoadException(file, "tensor '" + t.getName() + "' declares " + ref.length()
                        + " bytes of external data but " + describe(t) + " needs " + expected);
            }
            long need = ref.byteCount(t);
            if (need < 0) need = 0;
            if (need > size || ref.offset() > size - need) {
                throw new ModelLoadException(file, "external data file '" + ref.location() + "' is too short for tensor '"
                        + t.getName() + "' (needs bytes " + ref.offset() + ".." + end(ref.offset(), need)
                        + ", file has " + size + ")");
            }
        });
    }
}
