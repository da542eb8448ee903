package dev.lopper.prune.obspa;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.lopper.analysis.ParamSlice;
import dev.lopper.analysis.ops.MomentView;
import dev.lopper.analysis.ops.Ops;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.graph.Shape;
import dev.lopper.prune.obspa.ConsumerLayer.BiasSink;
import dev.lopper.onnx.Tensors;

/**
 * Finds the {@link ConsumerLayer} behind a consumer weight slice, from the graph: which input the layer reads,
 * where its output bias lives, and its matrix layout. One entry per op type OBSPA can treat:
 * Conv with group = 1 (weight input 1, bias input 2), Gemm without transA (bias C when alpha = beta = 1),
 * MatMul with a 2-D constant right operand. A layer without a bias input gets one when its only consumer is an
 * Add of a per-channel constant (the MatMul + Add of exporters) or a BatchNormalization (its running mean absorbs
 * the shift). Weights or biases shared with other nodes, or not stored in the file, are not treated.
 */
public final class ConsumerResolver {
    private final ModelGraph graph;
    private final Map<ParamSlice, Optional<ConsumerLayer>> cache = new ConcurrentHashMap<>();

    private record Kind(int weightInput, int biasInput, boolean conv, boolean gemm) { }

    /** The layout of a linear layer, by its op's {@link MomentView} (the views OBSPA compensates); null for others. */
    private static Kind kind(Node n) {
        MomentView v = Ops.moments(n.opType());
        if (v == null || !n.isDefaultDomain()) return null;
        return switch (v.kind()) {
            case LINEAR_CONV -> new Kind(1, 2, true, false);
            case LINEAR_GEMM -> new Kind(1, 2, false, true);
            case LINEAR_MATMUL -> new Kind(1, -1, false, false);
            default -> null;
        };
    }

    public ConsumerResolver(ModelGraph graph) { this.graph = graph; }

    public ModelGraph graph() { return graph; }

    public Optional<ConsumerLayer> resolve(ParamSlice s) {
        return cache.computeIfAbsent(s, this::find);
    }

    private Optional<ConsumerLayer> find(ParamSlice s) {
        if (s.role() != ParamSlice.Role.CONSUMER_WEIGHT) return Optional.empty();
        Node n = graph.node(s.node());
        if (n == null) return Optional.empty();
        Kind k = kind(n);
        if (k == null) return Optional.empty();
        if (!n.input(k.weightInput()).equals(s.tensor()) || !graph.isConstant(s.tensor())) return Optional.empty();
        int groups = k.conv() ? (int) n.attrInt("group", 1) : 1;
        if (groups < 1) return Optional.empty();
        if (k.gemm() && n.attrInt("transA", 0) != 0) return Optional.empty();
        long[] dims = Tensors.dims(graph.constant(s.tensor()));
        int axis = s.axis() < 0 ? s.axis() + dims.length : s.axis();
        if (k.conv() && axis != 1) return Optional.empty();
        if (!k.conv() && dims.length != 2) return Optional.empty();
        ConsumerLayer layout = ConsumerLayer.layout(n.name(), s.tensor(), dims, axis, n.input(0), null);
        if (layout == null) return Optional.empty();
        // grouped conv: one OBS problem per group (rows of group g read its own input channels); depthwise (one
        // channel per group) has nothing to move but the bias and is left to slicing
        if (groups > 1 && (layout.positions() < 2 || layout.outputs() % groups != 0)) return Optional.empty();
        if (!k.conv() && !k.gemm()) {
            // MatMul: the input's last axis must be the one the weight reads
            Shape in = graph.shape(n.input(0));
            if (in.hasRank() && in.dim(-1) > 0 && in.dim(-1) != layout.positions()) return Optional.empty();
        }
        BiasSink bias = null;
        if (k.biasInput() >= 0 && !n.input(k.biasInput()).isEmpty()) {
            String b = n.input(k.biasInput());
            boolean scaled = k.gemm() && (n.attrFloat("alpha", 1f) != 1f || n.attrFloat("beta", 1f) != 1f);
            if (scaled || !stored(b) || count(b) != layout.outputs()) {
                return Optional.of(new ConsumerLayer(layout.node(), layout.weight(), layout.dims(), layout.axis(), layout.outputs(),
                        layout.positions(), layout.taps(), layout.transposed(), layout.input(), null, groups)); // no movable bias
            }
            bias = new BiasSink(b, 1, true);
        } else {
            bias = follower(n, layout.outputs(), k.conv() ? 1 : -1);
        }
        return Optional.of(new ConsumerLayer(layout.node(), layout.weight(), layout.dims(), layout.axis(), layout.outputs(),
                layout.positions(), layout.taps(), layout.transposed(), layout.input(), bias, groups));
    }

    private BiasSink follower(Node n, int outputs, int channelAxis) {
        String y = n.output(0);
        if (graph.isGraphOutput(y)) return null;
        List<Node> next = graph.consumers(y);
        if (next.size() != 1) return null;
        Node f = next.get(0);
        // the follower that can hold the bias: an Add of a per-channel constant, or a BatchNormalization's running mean
        MomentView.Kind kind = f.isDefaultDomain() && Ops.moments(f.opType()) != null ? Ops.moments(f.opType()).kind() : null;
        if (kind != MomentView.Kind.ADD && kind != MomentView.Kind.NORM_BATCH) return null;
        if (kind == MomentView.Kind.NORM_BATCH) {
            if (!f.input(0).equals(y) || channelAxis != 1) return null;
            String mean = f.input(3);
            if (!stored(mean) || count(mean) != outputs) return null;
            return new BiasSink(mean, -1, false);
        }
        String c = f.input(0).equals(y) ? f.input(1) : f.input(1).equals(y) ? f.input(0) : null;
        if (c == null || !stored(c) || count(c) != outputs) return null;
        long[] d = Tensors.dims(graph.constant(c));
        int rank = graph.shape(y).rank();
        if (rank < 1 || d.length > rank) return null;
        int axis = channelAxis < 0 ? rank + channelAxis : channelAxis;
        for (int i = 0; i < d.length; i++) if (d[i] != 1 && rank - d.length + i != axis) return null;
        return new BiasSink(c, 1, true);
    }

    /**
     * A constant stored in the file (initializer or Constant node, not folded) and read by exactly one node, so
     * that changing it changes only this layer.
     */
    public boolean writable(String t) {
        if (t.isEmpty() || !graph.isConstant(t)) return false;
        var o = graph.constantOrigin(t);
        if (o == null || o.kind() == dev.lopper.graph.ConstantOrigin.Kind.FOLDED) return false;
        return graph.consumers(t).size() <= 1;
    }

    private boolean stored(String t) { return writable(t); }

    private long count(String t) {
        long c = 1;
        for (long d : Tensors.dims(graph.constant(t))) c *= d;
        return c;
    }
}
