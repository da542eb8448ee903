package dev.lopper.analysis;

import java.util.List;

/**
 * Channels that must be removed together. Root channel {@code c in [0, channels)} is one unit of removal
 * (a channel, or a whole attention head); every member and parameter slice maps it to positions.
 *
 * @param id               stable id (same model → same ids across runs), e.g. {@code g:conv1/out}
 * @param channels         number of root channels
 * @param members          every (node, tensor, axis) the channels appear on (activations and constants)
 * @param slices           constant slices owned by the channels (for importance and for rewriting)
 * @param lockReasons      empty when prunable; otherwise every reason it is locked
 * @param paramsPerChannel parameters removed with one root channel
 * @param macsPerChannel   MACs removed with one root channel (unknown dynamic dims count as 1)
 * @param minChannels      channels that must stay at the least (e.g. 1), by structure
 * @param multipleOf       kept channel count must be a multiple of this (e.g. attention heads share a size), 1 if free
 * @param mixingNodes      nodes that normalize or reduce across these channels (LayerNorm over them, Softmax,
 *                         ReduceMean, GroupNorm within a group): there removing a channel is not the same
 *                         as zeroing its weights, so the zero-channel oracle cannot hold exactly
 * @param innerFactors     when this group is the OUTER factor of a product channel axis (a grouped Conv's or a
 *                         GroupNorm's groups in channels = groups × per-group), the groups of that axis's inner
 *                         factor(s); empty otherwise. Pruning both factors by r would remove 1-(1-r)² of the axis,
 *                         so a ratio allocation prunes the inner factor and leaves this one whole by default
 */
public record CoupledGroup(String id, int channels, List<Member> members, List<ParamSlice> slices,
                           List<String> lockReasons, long paramsPerChannel, long macsPerChannel,
                           int minChannels, int multipleOf, List<String> mixingNodes,
                           List<String> innerFactors) {
    public CoupledGroup {
        innerFactors = List.copyOf(innerFactors);
        members = List.copyOf(members);
        slices = List.copyOf(slices);
        lockReasons = List.copyOf(lockReasons);
        mixingNodes = List.copyOf(mixingNodes);
    }

    /** Without product-axis factors. */
    public CoupledGroup(String id, int channels, List<Member> members, List<ParamSlice> slices,
                        List<String> lockReasons, long paramsPerChannel, long macsPerChannel,
                        int minChannels, int multipleOf, List<String> mixingNodes) {
        this(id, channels, members, slices, lockReasons, paramsPerChannel, macsPerChannel, minChannels, multipleOf,
                mixingNodes, List.of());
    }

    /** The original contract's constructor (no mixing nodes). */
    public CoupledGroup(String id, int channels, List<Member> members, List<ParamSlice> slices,
                        List<String> lockReasons, long paramsPerChannel, long macsPerChannel,
                        int minChannels, int multipleOf) {
        this(id, channels, members, slices, lockReasons, paramsPerChannel, macsPerChannel, minChannels, multipleOf, List.of());
    }

    public boolean isPrunable() { return lockReasons.isEmpty(); }

    /** True when this group is the outer factor of a product channel axis (see {@code innerFactors}). */
    public boolean isOuterFactor() { return !innerFactors.isEmpty(); }

    public String status() { return isPrunable() ? "prunable" : "locked"; }

    /** Distinct node names of the members, in order. */
    public List<String> memberNodes() {
        return members.stream().map(Member::node).distinct().toList();
    }
}
