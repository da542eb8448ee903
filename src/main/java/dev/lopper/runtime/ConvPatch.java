package dev.lopper.runtime;

/**
 * The input window of a 2-D convolution (ONNX Conv attributes), for second moments over unfolded patches:
 * the feature vector of one output position is the consumer's input x[c, y + ky·dilation, x + kx·dilation]
 * ordered (c, ky, kx), the layout of a Conv weight's row W[o, c, ky, kx] (zero outside the padded input).
 */
public record ConvPatch(int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int padBottom,
                        int padRight, int dilationH, int dilationW) {
    public ConvPatch {
        if (kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1) {
            throw new IllegalArgumentException("kernel, stride and dilation must be >= 1");
        }
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) throw new IllegalArgumentException("pads must be >= 0");
    }

    /** Square kernel, equal stride and pad on every side, no dilation. */
    public static ConvPatch of(int kernel, int stride, int pad) {
        return new ConvPatch(kernel, kernel, stride, stride, pad, pad, pad, pad, 1, 1);
    }

    int outH(long h) { return (int) ((h + padTop + padBottom - (long) dilationH * (kernelH - 1) - 1) / strideH + 1); }

    int outW(long w) { return (int) ((w + padLeft + padRight - (long) dilationW * (kernelW - 1) - 1) / strideW + 1); }
}
