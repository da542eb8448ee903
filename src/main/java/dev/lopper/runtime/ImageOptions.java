package dev.lopper.runtime;

/**
 * How images become a model input.
 *
 * @param width    target width, or 0 to take it from the model input (224 when that dim is symbolic)
 * @param height   target height, or 0 likewise
 * @param resize   how an image of another size is brought to width x height
 * @param channels channel order written into the tensor
 * @param scale    pixel values (0..255) are multiplied by this first (default 1/255)
 * @param mean     per-channel mean subtracted after scaling (one value, or one per channel)
 * @param std      per-channel std divided by after subtracting the mean
 */
public record ImageOptions(int width, int height, ResizeMode resize, ChannelOrder channels, double scale,
                           double[] mean, double[] std) {
    public static final ImageOptions DEFAULT =
            new ImageOptions(0, 0, ResizeMode.STRETCH, ChannelOrder.RGB, 1.0 / 255, new double[] {0}, new double[] {1});

    /** ImageNet statistics, as torchvision models expect. */
    public static final double[] IMAGENET_MEAN = {0.485, 0.456, 0.406};
    public static final double[] IMAGENET_STD = {0.229, 0.224, 0.225};

    public enum ResizeMode {
        /** Scale both sides to the target size, ignoring the aspect ratio. */
        STRETCH,
        /** Scale the shorter side to the target (keeping the aspect ratio), then crop the centre. */
        SHORTER_SIDE_CENTER_CROP
    }

    public enum ChannelOrder { RGB, BGR }

    public ImageOptions {
        if (mean == null || mean.length == 0) mean = new double[] {0};
        if (std == null || std.length == 0) std = new double[] {1};
        for (double s : std) if (s == 0) throw new EvalException("--std values must not be 0");
        if (width < 0 || height < 0) throw new EvalException("image size must be positive");
    }
}
