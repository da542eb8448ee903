package dev.lopper.app;

import java.util.ArrayList;
import java.util.List;

import dev.lopper.analysis.CoupledGroup;
import dev.lopper.analysis.IndexMap;
import dev.lopper.analysis.Member;
import dev.lopper.analysis.ParamSlice;
import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;

/**
 * Coupled groups of {@link TestModels#residualCnn}, written out by hand from its structure (what the analysis
 * would find): each inner block Conv→BN of a residual block is a group; the trunk (stem + both Adds) is one
 * group; the classifier output is locked.
 */
public final class TestGroups {
    private TestGroups() {}

    public static List<CoupledGroup> residualCnn(ModelGraph g) {
        List<CoupledGroup> out = new ArrayList<>();
        for (String blk : List.of("b0a", "b1a")) {
            out.add(convGroup(g, "g:" + blk, blk, 8));
        }
        List<Member> trunk = new ArrayList<>();
        for (Node n : g.nodes()) {
            String o = n.output(0);
            if (o.startsWith("stem") || o.endsWith("_sum") || o.startsWith("b0b") || o.startsWith("b1b")) {
                trunk.add(new Member(n.name(), o, 1, IndexMap.IDENTITY));
            }
        }
        out.add(new CoupledGroup("g:trunk", 8, trunk, List.of(), List.of(), 9 * 8 * 3 + 5, 8 * 16 * 16 * 9 * 3, 1, 1));
        out.add(new CoupledGroup("g:logits", 10, List.of(new Member(nodeProducing(g, "logits"), "logits", 1, IndexMap.IDENTITY)),
                List.of(), List.of("graph output 'logits' is locked by default"), 9, 80, 1, 1));
        return out;
    }

    static CoupledGroup convGroup(ModelGraph g, String id, String prefix, int channels) {
        String conv = nodeProducing(g, prefix + "_conv");
        String bn = nodeProducing(g, prefix + "_bn");
        String relu = nodeProducing(g, prefix + "_relu");
        List<Member> members = List.of(new Member(conv, prefix + "_conv", 1, IndexMap.IDENTITY),
                new Member(bn, prefix + "_bn", 1, IndexMap.IDENTITY), new Member(relu, prefix + "_relu", 1, IndexMap.IDENTITY));
        List<ParamSlice> slices = List.of(
                new ParamSlice(conv, prefix + ".w", 0, IndexMap.IDENTITY, ParamSlice.Role.PRODUCER_WEIGHT),
                new ParamSlice(conv, prefix + ".bias", 0, IndexMap.IDENTITY, ParamSlice.Role.PRODUCER_BIAS),
                new ParamSlice(bn, prefix + ".g", 0, IndexMap.IDENTITY, ParamSlice.Role.NORM_SCALE));
        return new CoupledGroup(id, channels, members, slices, List.of(), 8 * 9 * 2 + 5, 16 * 16 * 8 * 9 * 2, 1, 1);
    }

    static String nodeProducing(ModelGraph g, String tensor) {
        return g.producer(tensor).map(Node::name).orElseThrow(() -> new IllegalStateException("no producer of " + tensor));
    }
}
