package dev.lopper.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.NodeProto;

/** ModelGraph's node order: JGraphT's topological order, lowest file index first; file order when valid or cyclic. */
class NodeOrderTest {
    static NodeProto node(String name, List<String> in, List<String> out) {
        return NodeProto.newBuilder().setName(name).setOpType("Relu").addAllInput(in).addAllOutput(out).build();
    }

    static List<String> order(NodeProto... nodes) {
        GraphProto.Builder g = GraphProto.newBuilder();
        for (NodeProto n : nodes) g.addNode(n);
        return ModelGraph.sortedNodes(g.build()).stream().map(Node::name).toList();
    }

    @Test
    void outOfOrderNodesAreSortedWithTheLowestFileIndexFirst() {
        // file order: d(c), c(a), b(x), a(x): a must precede c, c precede d; b and a are ready first, b has the lower index
        assertEquals(List.of("b", "a", "c", "d"), order(node("d", List.of("c"), List.of("d")), node("c", List.of("a"), List.of("c")),
                node("b", List.of("x"), List.of("b")), node("a", List.of("x"), List.of("a"))));
    }

    @Test
    void validAndCyclicGraphsKeepFileOrder() {
        assertEquals(List.of("a", "b"), order(node("a", List.of("x"), List.of("a")), node("b", List.of("a"), List.of("b"))));
        assertEquals(List.of("p", "q"), order(node("p", List.of("q"), List.of("p")), node("q", List.of("p"), List.of("q"))));
    }
}
