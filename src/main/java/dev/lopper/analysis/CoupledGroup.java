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
 */
public record CoupledGroup(String id, int channels, List<Member> members, List<ParamSlice> slices,
                           List<String> lockReasons, long paramsPerChannel, long macsPerChannel,
                           int minChannels, int multipleOf, List<String> mixingNodes) {
    public CoupledGroup {
        members = List.copyOf(members);
        slices = List.copyOf(slices);
        lockReasons = List.copyOf(lockReasons);
        mixingNodes = List.copyOf(mixingNodes);
    }

    /** The original contract's constructor (no mixing nodes). */
    public CoupledGroup(String id, int channels, List<Member> members, List<ParamSlice> slices,
                        List<String> lockReasons, long paramsPerChannel, long macsPerChannel,
                        int minChannels, int multipleOf) {
        this(id, channels, members, slices, lockReasons, paramsPerChannel, macsPerChannel, minChannels, multipleOf, List.of());
    }

    public boolean isPrunable() { return lockReasons.isEmpty(); }

    public String status() { return isPrunable() ? "prunable" : "locked"; }

    /** Distinct node names of the members, in order. */
    public List<String> memberNodes() {
        return members.stream().map(Member::node).distinct().toList();
    }
}
