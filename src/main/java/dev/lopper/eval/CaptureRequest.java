package dev.lopper.eval;

/**
 * An intermediate tensor to expose and summarise per channel.
 *
 * @param tensor      tensor name in the graph
 * @param channelAxis channel axis (negative counts from the end: 1 for NCHW conv activations, -1 for [B, S, H])
 * @param covariance  also accumulate the C x C second-moment matrix E[x xᵀ] over channels (costs C² per position)
 */
public record CaptureRequest(String tensor, int channelAxis, boolean covariance) {
    public static CaptureRequest of(String tensor, int channelAxis) { return new CaptureRequest(tensor, channelAxis, false); }
}
