package dev.lopper.prune.latency;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;

/**
 * A group's producer, the depthwise Conv if any, and a consumer, timed together as they run in the network (the
 * producer's output channels are the next layer's input channels). Timed alone, a layer with an unaligned count can
 * look as fast as an aligned one, because ONNX Runtime then simply skips its blocked (NCHWc) layout and the reorders
 * around it; in the network that break costs reorders between neighbours. The chain's outer channel counts stay at
 * their original size, so the block's edges cost the same at every count and only the inside changes.
 */
public record LayerChain(List<LayerSpec> layers) implements Timed {
    public LayerChain {
        layers = List.copyOf(layers);
        if (layers.size() < 2) throw new IllegalArgumentException("a chain has at least two layers");
    }

    @Override
    public String signature() {
        return layers.stream().map(LayerSpec::signature).collect(Collectors.joining(" -> ", "chain[", "]"));
    }

    @Override
    public ModelProto model(int n) {
        GraphProto.Builder gb = GraphProto.newBuilder().setName("chain");
        gb.addInput(layers.get(0).input(n));
        SplittableRandom rnd = new SplittableRandom(11);
        String x = "x";
        for (int i = 0; i < layers.size(); i++) x = layers.get(i).addTo(gb, x, n, "l" + i + "_", rnd);
        return LayerSpec.finish(gb, x);
    }

    /** True when {@code next} reads what {@code prev} makes: same channels (the group's) and, for Convs, the same map size. */
    static boolean fits(LayerSpec prev, LayerSpec next) {
        if (prev.vary() == LayerSpec.Vary.IN || next.vary() == LayerSpec.Vary.OUT) return false;
        if (prev.cout() != next.cin()) return false;
        if (prev.op().equals("Conv") != next.op().equals("Conv")) return false;
        if (!prev.op().equals("Conv")) return prev.rows() == next.rows();
        long[] hw = prev.outHw();
        return hw[0] == next.h() && hw[1] == next.w();
    }

    @Override
    public boolean equals(Object o) { return o instanceof LayerChain c && c.signature().equals(signature()); }

    @Override
    public int hashCode() { return signature().hashCode(); }

    @Override
    public String toString() { return signature(); }
}
