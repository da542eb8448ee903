package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;

import dev.lopper.onnx.ModelLint;
import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/** Issue 14, lenient models: per-op attribute checks warn in inspect/groups (exit 0, in --json) and stop prune. */
class ValidationTest {
    @TempDir
    Path tmp;

    static ModelProto tiny() { return Hostile.tinyBuilder().build(); }

    static ModelProto editConv(String node, UnaryOperator<NodeProto.Builder> edit) {
        ModelProto p = tiny();
        GraphProto.Builder g = p.getGraph().toBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getName().equals(node)) g.setNode(i, edit.apply(g.getNode(i).toBuilder()));
        }
        return p.toBuilder().setGraph(g).build();
    }

    static NodeProto.Builder setInts(NodeProto.Builder n, String name, long... v) {
        for (int i = 0; i < n.getAttributeCount(); i++) if (n.getAttribute(i).getName().equals(name)) { n.removeAttribute(i); break; }
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        if (name.equals("group")) a.setType(AttributeProto.AttributeType.INT).setI(v[0]);
        else {
            a.setType(AttributeProto.AttributeType.INTS);
            for (long x : v) a.addInts(x);
        }
        return n.addAttribute(a);
    }

    @Test
    void everyBundledModelPassesValidation() throws Exception {
        try (Stream<Path> s = Stream.concat(Files.list(Path.of("src/test/resources/models")), Files.list(Path.of("samples")))) {
            for (Path p : s.filter(x -> x.toString().endsWith(".onnx")).toList()) {
                assertEquals(List.of(), ModelLint.check(ModelProto.parseFrom(Files.readAllBytes(p))), p.toString());
            }
        }
    }

    @Test
    void badAttributesWarnInInspectAndGroupsAndStopPrune() throws Exception {
        Object[][] cases = {
                {editConv("c2", n -> setInts(n, "group", 0)), "group 0 must be >= 1"},
                {editConv("c2", n -> setInts(n, "group", 3)), "group 3 does not divide the 8 output channels"},
                {editConv("c1", n -> setInts(n, "strides", 0, 0)), "strides [0,0] must be >= 1"},
                {editConv("c1", n -> setInts(n, "pads", 1, 1, 1)), "3 pads for 2 spatial dims (needs 4)"},
                {tiny().toBuilder().setOpsetImport(0, tiny().getOpsetImport(0).toBuilder().setVersion(999)).build(),
                        "opset 999 is newer than Lopper knows (22)"},
                {biasOf(5), "bias has 5 values for 8 output channels"},
                {stringWeight(), "holds strings, not numbers"},
        };
        for (Object[] c : cases) {
            Path m = Files.write(tmp.resolve("bad.onnx"), ((ModelProto) c[0]).toByteArray());
            String want = (String) c[1];
            for (String cmd : new String[] {"inspect", "groups"}) {
                CliRun r = CliRun.of(cmd, m.toString());
                if (r.code() == 0) {
                    assertTrue(r.err().contains("lopper: warning: ") && r.err().contains(want), cmd + " " + want + ": " + r.err());
                    CliRun j = CliRun.of(cmd, m.toString(), "--json");
                    JsonNode w = new ObjectMapper().readTree(j.out()).get("warnings");
                    assertTrue(w.toString().contains(want), w.toString());
                } else {
                    Hostile.assertOneLineFailure(r); // some are so broken the graph cannot be built
                }
            }
            CliRun r = CliRun.of("prune", m.toString(), "--ratio", "0.3", "-o", tmp.resolve("o.onnx").toString());
            Hostile.assertOneLineFailure(r);
            Hostile.assertMissing(tmp.resolve("o.onnx"));
        }
    }

    static ModelProto biasOf(int n) {
        ModelProto p = tiny();
        GraphProto.Builder g = p.getGraph().toBuilder();
        NodeProto c1 = g.getNodeList().stream().filter(x -> x.getName().equals("c1")).findFirst().orElseThrow();
        String b = c1.getInputCount() > 2 ? c1.getInput(2) : null;
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals(b)) {
                g.setInitializer(i, g.getInitializer(i).toBuilder().clearDims().addDims(n).clearFloatData()
                        .setRawData(ByteString.copyFrom(new byte[4 * n])));
            }
        }
        return p.toBuilder().setGraph(g).build();
    }

    static ModelProto stringWeight() {
        ModelProto p = tiny();
        GraphProto.Builder g = p.getGraph().toBuilder();
        NodeProto fc = g.getNodeList().stream().filter(x -> x.getName().equals("fc")).findFirst().orElseThrow();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            if (t.getName().equals(fc.getInput(1))) {
                TensorProto.Builder s = TensorProto.newBuilder().setName(t.getName()).addAllDims(t.getDimsList())
                        .setDataType(TensorProto.DataType.STRING_VALUE);
                long n = t.getDimsList().stream().reduce(1L, (a, b) -> a * b);
                for (long k = 0; k < n; k++) s.addStringData(ByteString.copyFromUtf8("w"));
                g.setInitializer(i, s);
            }
        }
        return p.toBuilder().setGraph(g).build();
    }
}
