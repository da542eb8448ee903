package dev.lopper.app.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.app.CoreServices;
import dev.lopper.app.MainViewModel;
import dev.lopper.app.RecentFiles;
import dev.lopper.app.task.DirectTaskRunner;
import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;
import dev.lopper.onnx.proto.Onnx.OperatorSetIdProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;
import dev.lopper.onnx.proto.Onnx.TensorShapeProto;
import dev.lopper.onnx.proto.Onnx.TypeProto;
import dev.lopper.onnx.proto.Onnx.ValueInfoProto;

/** Opening If bodies in the graph view and going back, at the view-model level (work runs on the test thread). */
class BodyNavigatorTest {
    static final Path MODELS = Path.of("src", "test", "resources", "models");

    @TempDir
    Path dir;

    static MainViewModel open(Path file) {
        MainViewModel vm = new MainViewModel(new CoreServices(), RecentFiles.inMemory(), DirectTaskRunner::new);
        vm.open(file);
        assertTrue(vm.loaded() != null, "opened " + file);
        return vm;
    }

    static int boxTitled(GraphScene s, String title) {
        for (GraphScene.Box b : s.boxes()) if (b.title().equals(title)) return b.index();
        throw new AssertionError("no box " + title + " in " + s.boxes().stream().map(GraphScene.Box::title).toList());
    }

    static List<String> titles(GraphScene s) { return s.boxes().stream().map(GraphScene.Box::title).sorted().toList(); }

    @Test
    void opensAnIfBranchAndGoesBackToTheSameSceneWithTheIfSelected() {
        MainViewModel vm = open(MODELS.resolve("if_convs_op13.onnx"));
        BodyNavigator nav = vm.bodies();
        GraphScene root = vm.graph().sceneProperty().get();
        assertEquals(List.of("if_convs_op13.onnx"), nav.path().stream().map(BodyNavigator.Level::label).toList());
        int ifBox = boxTitled(root, "If");
        assertEquals(List.of("else_branch", "then_branch"), nav.bodies(ifBox));
        assertEquals(List.of(), nav.bodies(boxTitled(root, "x")), "a graph input has no body");

        // the stem's group (its Conv is named Conv_0, as is the branch's Conv) marked on the model's graph
        vm.groups().select(vm.groups().rows().stream().filter(r -> r.group().members().stream()
                .anyMatch(m -> m.node().equals("Conv_0"))).findFirst().orElseThrow());
        assertTrue(vm.graph().overlayProperty().get().heat().containsKey(root.boxOf("Conv_0")));

        nav.open(ifBox, "then_branch");
        GraphScene body = vm.graph().sceneProperty().get();
        assertTrue(body.isBody());
        assertEquals(1, nav.depth());
        assertEquals(List.of("if_convs_op13.onnx", "If_1 · then_branch"), nav.path().stream().map(BodyNavigator.Level::label).toList());
        // Conv + Relu, the stem's output read from outside, and the branch's output
        assertEquals(List.of("Conv", "Relu", "h", "then_y"), titles(body));
        GraphScene.Box h = body.boxes().get(boxTitled(body, "h"));
        assertEquals(GraphScene.Kind.INPUT, h.kind());
        assertEquals("1×4×8×8 · outside", h.subtitle());
        assertEquals("1×8×8×8", body.boxes().get(boxTitled(body, "Conv")).subtitle());
        int conv = boxTitled(body, "Conv");
        assertTrue(body.edges().stream().anyMatch(e -> e.source() == h.index() && e.target() == conv && e.label().equals("1×4×8×8")));
        // the model graph's groups are not marked on the body (its Conv_0 is not the stem's Conv_0)
        assertEquals(null, vm.graph().overlayProperty().get());
        // the inspector describes the body's node
        vm.graph().select(conv);
        assertEquals("Conv", vm.graph().selectedNode().opType());

        nav.open(ifBox, "else_branch"); // a box index of the level above: nothing to open in this body
        assertEquals(1, nav.depth());

        nav.goTo(0);
        assertSame(root, vm.graph().sceneProperty().get(), "back to the scene as it was, not laid out again");
        assertEquals(ifBox, vm.graph().selectedBoxProperty().get());
        assertEquals(0, nav.depth());

        nav.open(ifBox, "else_branch");
        GraphScene other = vm.graph().sceneProperty().get();
        // the else branch's weight is a Constant node inside the body: a constant, not a box
        assertEquals(List.of("Conv", "Relu", "else_y", "h"), titles(other));
        assertTrue(nav.up());
        assertSame(root, vm.graph().sceneProperty().get());
    }

    @Test
    void nestedBodiesOpenLevelByLevelAndTheBreadcrumbJumpsBackSeveralLevels() throws Exception {
        Path file = Files.write(dir.resolve("nested.onnx"), nestedIfs(3).toByteArray());
        MainViewModel vm = open(file);
        BodyNavigator nav = vm.bodies();
        GraphScene root = vm.graph().sceneProperty().get();
        for (int d = 0; d < 3; d++) {
            GraphScene s = vm.graph().sceneProperty().get();
            int b = s.boxOf("if" + d);
            assertTrue(b >= 0, "if" + d + " shown at depth " + d);
            nav.open(b, "then_branch");
            assertEquals(d + 1, nav.depth());
        }
        assertEquals(List.of("nested.onnx", "if0 · then_branch", "if1 · then_branch", "if2 · then_branch"),
                nav.path().stream().map(BodyNavigator.Level::label).toList());
        assertEquals(List.of("Identity", "x", "y3"), titles(vm.graph().sceneProperty().get()));

        nav.goTo(1);
        assertEquals(1, nav.depth());
        GraphScene level1 = vm.graph().sceneProperty().get();
        assertEquals(List.of("If", "c", "y1"), titles(level1), "the condition is read from outside");
        assertEquals(level1.boxOf("if1"), vm.graph().selectedBoxProperty().get(), "the If whose body was open is selected");
        nav.goTo(0);
        assertSame(root, vm.graph().sceneProperty().get());
        assertEquals(root.boxOf("if0"), vm.graph().selectedBoxProperty().get());

        // hiding shape ops and collapsing apply to the level shown, and survive the way back
        nav.open(root.boxOf("if0"), "else_branch");
        assertEquals(List.of("Identity", "x", "y3"), titles(vm.graph().sceneProperty().get()));
        vm.graph().hideShapeOpsProperty().set(true);
        assertTrue(vm.graph().sceneProperty().get().isBody(), "the body was laid out again, not the model's graph");
        assertEquals(List.of("Identity", "x", "y3"), titles(vm.graph().sceneProperty().get()));
        nav.up();
        assertEquals(List.of("If", "c", "x", "y0"), titles(vm.graph().sceneProperty().get()));
    }

    /** if0 › then: if1 › then: if2 › then: Identity(x); every else branch is the Identity. */
    static ModelProto nestedIfs(int depth) {
        GraphProto leaf = GraphProto.newBuilder().setName("leaf")
                .addNode(NodeProto.newBuilder().setOpType("Identity").setName("id").addInput("x").addOutput("y" + depth))
                .addOutput(value("y" + depth)).build();
        GraphProto body = leaf;
        for (int d = depth - 1; d >= 0; d--) {
            NodeProto ifNode = NodeProto.newBuilder().setOpType("If").setName("if" + d).addInput("c").addOutput("y" + d)
                    .addAttribute(AttributeProto.newBuilder().setName("then_branch").setType(AttributeProto.AttributeType.GRAPH).setG(body))
                    .addAttribute(AttributeProto.newBuilder().setName("else_branch").setType(AttributeProto.AttributeType.GRAPH).setG(leaf))
                    .build();
            GraphProto.Builder g = GraphProto.newBuilder().setName("g" + d).addNode(ifNode).addOutput(value("y" + d));
            if (d == 0) {
                g.addInput(ValueInfoProto.newBuilder().setName("c").setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.BOOL_VALUE).setShape(TensorShapeProto.newBuilder()))));
                g.addInput(value("x"));
            }
            body = g.build();
        }
        return ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13))
                .setGraph(body).build();
    }

    static ValueInfoProto value(String name) {
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(
                        TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(1))))).build();
    }
}
