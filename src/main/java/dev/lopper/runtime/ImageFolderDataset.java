package dev.lopper.runtime;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

/**
 * A folder with one subfolder per class (classes numbered in sorted name order, as torchvision's
 * ImageFolder), images read with javax.imageio (png, jpg, bmp, gif). The model input must be rank 4,
 * NCHW (dim 1 is 1 or 3) or NHWC (last dim 1 or 3). One channel means grayscale (luma). Only file
 * names are listed up front; pixels are read batch by batch.
 */
public final class ImageFolderDataset implements Dataset {
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

    private final Path root;
    private final DataTarget target;
    private final ImageOptions options;
    private final List<String> classes = new ArrayList<>();
    private final List<Path> files = new ArrayList<>();
    private final List<Integer> fileLabels = new ArrayList<>();
    private final boolean channelsFirst;
    private final int channels;
    private final int width;
    private final int height;
    private int next;

    public ImageFolderDataset(Path root, List<DataTarget> targets, ImageOptions options) {
        if (targets.size() != 1) {
            throw new EvalException(root + ": an image folder feeds one input, but the model has " + targets.size() + " ("
                    + targets.stream().map(DataTarget::name).toList() + ")");
        }
        this.root = root;
        this.target = targets.get(0);
        this.options = options;
        TensorSpec spec = target.spec();
        if (spec.rank() != 4) {
            throw new EvalException(root + ": images need a rank-4 input, " + target.describe() + " has rank " + spec.rank());
        }
        long[] d = spec.dims();
        if (d[1] == 1 || d[1] == 3) {
            channelsFirst = true;
            channels = (int) d[1];
        } else if (d[3] == 1 || d[3] == 3) {
            channelsFirst = false;
            channels = (int) d[3];
        } else {
            throw new EvalException(root + ": cannot tell the channel axis of " + target.describe()
                    + " (need 1 or 3 channels at dim 1 (NCHW) or dim 3 (NHWC))");
        }
        int hAxis = channelsFirst ? 2 : 1;
        this.height = size(options.height(), d[hAxis], "height");
        this.width = size(options.width(), d[hAxis + 1], "width");
        checkStats(options.mean(), "--mean");
        checkStats(options.std(), "--std");
        try (Stream<Path> dirs = Files.list(root)) {
            List<Path> classDirs = dirs.filter(Files::isDirectory).sorted().toList();
            for (Path c : classDirs) {
                int label = classes.size();
                classes.add(c.getFileName().toString());
                try (Stream<Path> imgs = Files.list(c)) {
                    for (Path f : imgs.filter(ImageFolderDataset::isImage).sorted().toList()) {
                        files.add(f);
                        fileLabels.add(label);
                    }
                }
            }
        } catch (IOException e) {
            throw new EvalException(root + ": cannot list (" + EvalException.firstLine(e.getMessage()) + ")");
        }
        if (classes.isEmpty()) throw new EvalException(root + ": no class subfolders (expected one folder per class)");
        if (files.isEmpty()) throw new EvalException(root + ": no images (" + String.join(", ", EXTENSIONS) + ") in its class folders");
    }

    private int size(int given, long modelDim, String what) {
        if (modelDim > 0) {
            if (given > 0 && given != modelDim) {
                throw new EvalException("image " + what + " " + given + " does not match " + target.describe());
            }
            return (int) modelDim;
        }
        return given > 0 ? given : ShapePolicy.DEFAULT_SPATIAL_SIZE;
    }

    private void checkStats(double[] v, String option) {
        if (v.length != 1 && v.length != channels) {
            throw new EvalException(option + " has " + v.length + " values; the model input has " + channels + " channels");
        }
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    public List<String> classes() { return List.copyOf(classes); }

    @Override
    public String source() { return root.toString(); }

    @Override
    public boolean hasLabels() { return true; }

    @Override
    public long sampleCount() { return files.size(); }

    @Override
    public Batch next(int maxSamples) {
        if (next >= files.size()) return null;
        int n = Math.min(maxSamples, files.size() - next);
        long[] shape = channelsFirst ? new long[] {n, channels, height, width} : new long[] {n, height, width, channels};
        HostTensor x = HostTensor.allocate(target.elemType(), shape);
        int[] labels = new int[n];
        List<String> origins = new ArrayList<>(n);
        int plane = height * width;
        for (int i = 0; i < n; i++) {
            Path f = files.get(next + i);
            BufferedImage img = fit(read(f));
            int base = i * channels * plane;
            for (int y = 0; y < height; y++) {
                for (int xx = 0; xx < width; xx++) {
                    int rgb = img.getRGB(xx, y);
                    int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
                    for (int c = 0; c < channels; c++) {
                        double v;
                        if (channels == 1) v = 0.299 * r + 0.587 * g + 0.114 * b;
                        else {
                            int src = options.channels() == ImageOptions.ChannelOrder.RGB ? c : 2 - c;
                            v = src == 0 ? r : src == 1 ? g : b;
                        }
                        double m = options.mean()[options.mean().length == 1 ? 0 : c];
                        double s = options.std()[options.std().length == 1 ? 0 : c];
                        double value = (v * options.scale() - m) / s;
                        int idx = channelsFirst ? base + c * plane + y * width + xx : base + (y * width + xx) * channels + c;
                        x.set(idx, value);
                    }
                }
            }
            labels[i] = fileLabels.get(next + i);
            origins.add(f.toString());
        }
        next += n;
        return new Batch(Map.of(target.name(), x), labels, origins);
    }

    private static BufferedImage read(Path f) {
        try {
            BufferedImage img = ImageIO.read(f.toFile());
            if (img == null) throw new EvalException(f + ": not a readable image");
            return img;
        } catch (IOException e) {
            throw new EvalException(f + ": not a readable image (" + EvalException.firstLine(e.getMessage()) + ")");
        }
    }

    private BufferedImage fit(BufferedImage img) {
        if (img.getWidth() == width && img.getHeight() == height) return img;
        int sx = 0, sy = 0, sw = img.getWidth(), sh = img.getHeight();
        if (options.resize() == ImageOptions.ResizeMode.SHORTER_SIDE_CENTER_CROP) {
            double scale = Math.max((double) width / sw, (double) height / sh);
            int cw = (int) Math.round(width / scale);
            int ch = (int) Math.round(height / scale);
            sx = (sw - cw) / 2;
            sy = (sh - ch) / 2;
            sw = cw;
            sh = ch;
        }
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, width, height, sx, sy, sx + sw, sy + sh, null);
        g.dispose();
        return out;
    }

    @Override
    public void close() { }
}
