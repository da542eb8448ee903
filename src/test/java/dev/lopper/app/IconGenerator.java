package dev.lopper.app;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

/**
 * Draws the app icon with Java2D: a small layered graph on a rounded tile, one branch cut off (pruned).
 * {@code java -cp target/classes:target/test-classes dev.lopper.app.IconGenerator} writes icons/lopper.png (512 px)
 * and the window icon src/main/resources/dev/lopper/app/lopper.png (128 px).
 */
public final class IconGenerator {
    private IconGenerator() {}

    static BufferedImage draw(int size) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        double s = size / 512.0;
        g.scale(s, s);
        g.setPaint(new GradientPaint(0, 0, new Color(0x1f6feb), 512, 512, new Color(0x0b3d91)));
        g.fill(new RoundRectangle2D.Double(16, 16, 480, 480, 110, 110));
        // graph: root at top, two layers, one pruned branch on the right
        double[][] nodes = {{256, 110}, {160, 250}, {352, 250}, {110, 390}, {210, 390}, {302, 390}, {402, 390}};
        int[][] edges = {{0, 1}, {0, 2}, {1, 3}, {1, 4}, {2, 5}, {2, 6}};
        g.setStroke(new BasicStroke(18, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        for (int[] e : edges) {
            boolean pruned = e[1] == 6;
            g.setColor(pruned ? new Color(255, 255, 255, 70) : new Color(255, 255, 255, 230));
            g.draw(new Line2D.Double(nodes[e[0]][0], nodes[e[0]][1], nodes[e[1]][0], nodes[e[1]][1]));
        }
        for (int i = 0; i < nodes.length; i++) {
            double r = i == 0 ? 44 : 36;
            boolean pruned = i == 6;
            g.setColor(pruned ? new Color(255, 255, 255, 70) : Color.WHITE);
            g.fill(new Ellipse2D.Double(nodes[i][0] - r, nodes[i][1] - r, 2 * r, 2 * r));
            if (!pruned) {
                g.setColor(i == 0 ? new Color(0xf6b26b) : i < 3 ? new Color(0x93c47d) : new Color(0x7eb3e6));
                double q = r - 12;
                g.fill(new Ellipse2D.Double(nodes[i][0] - q, nodes[i][1] - q, 2 * q, 2 * q));
            }
        }
        // the cut
        g.setColor(new Color(0xff5a5f));
        g.setStroke(new BasicStroke(22, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(new Line2D.Double(356, 342, 432, 300));
        g.dispose();
        return img;
    }

    public static void main(String[] args) throws IOException {
        Path icons = Files.createDirectories(Path.of("icons"));
        ImageIO.write(draw(512), "png", icons.resolve("lopper.png").toFile());
        Path res = Files.createDirectories(Path.of("src/main/resources/dev/lopper/app"));
        ImageIO.write(draw(128), "png", res.resolve("lopper.png").toFile());
    }
}
