package dev.lopper.runtime;

import dev.lopper.eval.DataEvalResult;
import dev.lopper.eval.DataEvaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.task.Progress;

class ImageFolderTest {
    @TempDir
    Path root;

    private void image(String cls, String name, int w, int h, Color c) throws Exception {
        Path dir = Files.createDirectories(root.resolve(cls));
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, c.getRGB());
        ImageIO.write(img, "png", dir.resolve(name).toFile());
    }

    @Test
    void classesFromSubfoldersNormalizedAndResized() throws Exception {
        image("a_red", "1.png", 4, 2, Color.RED);
        image("b_green", "1.png", 3, 3, Color.GREEN);
        image("b_green", "2.png", 2, 2, new Color(0, 255, 128));
        ImageOptions opts = new ImageOptions(2, 2, ImageOptions.ResizeMode.STRETCH, ImageOptions.ChannelOrder.RGB,
                1.0 / 255, new double[] {0.5}, new double[] {0.5});
        try (EvalSession s = EvalSession.open(ModelSource.of(TinyModels.channelMeans(), null, "means"), SessionConfig.DEFAULT)) {
            var targets = DataTarget.of(s.inputs(), ShapePolicy.DEFAULT);
            try (ImageFolderDataset d = new ImageFolderDataset(root, targets, opts)) {
                assertEquals(java.util.List.of("a_red", "b_green"), d.classes());
                assertEquals(3, d.sampleCount());
                Batch b = d.next(2);
                assertArrayEquals(new long[] {2, 3, 2, 2}, b.inputs().get("x").shape());
                float[] v = b.inputs().get("x").toFloatArray();
                // red: R = (1 - 0.5) / 0.5 = 1, G = B = -1; each channel plane is 2x2
                assertArrayEquals(new float[] {1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1}, java.util.Arrays.copyOf(v, 12));
                assertArrayEquals(new int[] {0, 1}, b.labels());
            }
            try (Dataset d = new ImageFolderDataset(root, targets, opts)) {
                DataEvalResult r = DataEvaluation.run(s, null, d, 2, Progress.NONE);
                assertEquals(3, r.accuracy().samples());
                assertEquals(3, r.accuracy().top1Correct());
            }
            ImageOptions bgr = new ImageOptions(2, 2, ImageOptions.ResizeMode.SHORTER_SIDE_CENTER_CROP, ImageOptions.ChannelOrder.BGR,
                    1.0 / 255, new double[] {0}, new double[] {1});
            try (Dataset d = new ImageFolderDataset(root, targets, bgr)) {
                float[] v = d.next(1).inputs().get("x").toFloatArray();
                assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1}, v); // red lands in the last channel
            }
        }
    }

    @Test
    void unreadableImageAndBadStatsAreNamed() throws Exception {
        Path bad = Files.createDirectories(root.resolve("cls")).resolve("broken.png");
        Files.writeString(bad, "not a png");
        try (EvalSession s = EvalSession.open(ModelSource.of(TinyModels.channelMeans(), null, "means"), SessionConfig.DEFAULT)) {
            var targets = DataTarget.of(s.inputs(), ShapePolicy.DEFAULT);
            try (Dataset d = new ImageFolderDataset(root, targets, ImageOptions.DEFAULT)) {
                EvalException e = assertThrows(EvalException.class, () -> d.next(4));
                assertEquals(bad + ": not a readable image", e.getMessage());
            }
            ImageOptions two = new ImageOptions(0, 0, ImageOptions.ResizeMode.STRETCH, ImageOptions.ChannelOrder.RGB, 1,
                    new double[] {1, 2}, new double[] {1});
            EvalException e = assertThrows(EvalException.class, () -> new ImageFolderDataset(root, targets, two));
            assertEquals("--mean has 2 values; the model input has 3 channels", e.getMessage());
        }
    }
}
