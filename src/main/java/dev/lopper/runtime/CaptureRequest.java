package dev.lopper.runtime;

/**
 * An intermediate tensor to expose and summarise per channel.
 *
 * @param tensor      tensor name in the graph
 * @param channelAxis channel axis (negative counts from the end: 1 for NCHW conv activations, -1 for [B, S, H])
 * @param covariance  also accumulate the C x C second-moment matrix E[x xᵀ] over channels (costs C² per position)
 * @param patch       when not null, also accumulate {@link PatchStats} over this convolution window (costs
 *                    (C·k²)² per output position), or null
 * @param rowWeight   when not null, positions are weighted by it (channel axis last, no patch): every statistic is a
 *                    weighted mean
 */
public record CaptureRequest(String tensor, int channelAxis, boolean covariance, ConvPatch patch, RowWeight rowWeight) {
    public CaptureRequest {
        if (rowWeight != null && (patch != null || channelAxis != -1)) {
            throw new IllegalArgumentException("row weights need the channel axis last and no patch: " + tensor);
        }
    }

    public CaptureRequest(String tensor, int channelAxis, boolean covariance, ConvPatch patch) {
        this(tensor, channelAxis, covariance, patch, null);
    }

    public CaptureRequest(String tensor, int channelAxis, boolean covariance) { this(tensor, channelAxis, covariance, null, null); }

    /** The same request without row weights. */
    public CaptureRequest unweighted() { return new CaptureRequest(tensor, channelAxis, covariance, patch, null); }

    public static CaptureRequest of(String tensor, int channelAxis) { return new CaptureRequest(tensor, channelAxis, false); }

    /** Per-channel statistics plus second moments of the patches a Conv with this window sees (NCHW tensor). */
    public static CaptureRequest convInput(String tensor, ConvPatch patch) { return new CaptureRequest(tensor, 1, false, patch); }
}
