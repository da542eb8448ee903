package dev.lopper.graph.layout;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jgrapht.Graph;
import org.jgrapht.alg.drawing.model.Box2D;
import org.jgrapht.alg.drawing.model.MapLayoutModel2D;
import org.jgrapht.alg.drawing.model.Point2D;
import org.jgrapht.nio.AttributeType;
import org.jgrapht.nio.DefaultAttribute;
import org.jgrapht.nio.graphml.GraphMLExporter;

import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.graph.Shape;
import dev.lopper.graph.TensorEdge;
import dev.lopper.task.Progress;

/**
 * A model's graph (or any subgraph view of {@link ModelGraph#dag()}, e.g. one group's nodes) as an editable diagram:
 * draw.io / diagrams.net (mxGraph XML, laid out by {@link LayeredLayout2D}) or GraphML (JGraphT's exporter, with
 * op type, name and the same layout's x/y as node attributes, for yEd, Gephi or networkx).
 */
public final class GraphExport {
    private GraphExport() {}

    static final double HEIGHT = 40;

    static String label(Node n) { return n.opType() + "\n" + n.name(); }

    static double width(Node n) {
        return Math.max(90, Math.max(n.opType().length(), n.name().length()) * 7.0 + 20);
    }

    /** Lays out a graph view; the model gets each node's centre. */
    static LayeredLayout2D<Node, TensorEdge> layout(Graph<Node, TensorEdge> g, MapLayoutModel2D<Node> model, Progress progress) {
        LayeredLayout2D<Node, TensorEdge> alg = new LayeredLayout2D<>(new LayeredLayout(), GraphExport::width, n -> HEIGHT, progress);
        alg.layout(g, model);
        return alg;
    }

    /** An uncompressed draw.io file: one rounded box per node, one edge per tensor (labelled with its shape). */
    public static String drawio(Graph<Node, TensorEdge> g, ModelGraph model, String title, Progress progress) {
        MapLayoutModel2D<Node> pos = new MapLayoutModel2D<>(Box2D.of(40, 40, 1, 1));
        LayeredLayout2D<Node, TensorEdge> alg = layout(g, pos, progress);
        StringBuilder b = new StringBuilder();
        b.append("<mxfile host=\"lopper\">\n  <diagram id=\"lopper\" name=\"").append(xml(title)).append("\">\n");
        b.append("    <mxGraphModel grid=\"1\" gridSize=\"10\" guides=\"1\" page=\"0\">\n      <root>\n");
        b.append("        <mxCell id=\"0\"/>\n        <mxCell id=\"1\" parent=\"0\"/>\n");
        Map<Node, String> id = new HashMap<>();
        int k = 0;
        for (Node n : g.vertexSet()) {
            String i = "n" + (k++);
            id.put(n, i);
            Point2D c = pos.get(n);
            double w = width(n);
            b.append(String.format(Locale.ROOT, "        <mxCell id=\"%s\" value=\"%s\" style=\"rounded=1;whiteSpace=wrap;html=0;fillColor=%s;\""
                    + " vertex=\"1\" parent=\"1\">\n          <mxGeometry x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" as=\"geometry\"/>\n"
                    + "        </mxCell>\n", i, xml(label(n)), fill(n), c.getX() - w / 2, c.getY() - HEIGHT / 2, w, HEIGHT));
        }
        double[][] points = alg.result().edgePoints();
        k = 0;
        for (TensorEdge e : g.edgeSet()) {
            double[] pts = points[k];
            b.append(String.format(Locale.ROOT, "        <mxCell id=\"e%d\" value=\"%s\" style=\"endArrow=classic;html=0;fontSize=9;\" edge=\"1\""
                    + " parent=\"1\" source=\"%s\" target=\"%s\">\n          <mxGeometry relative=\"1\" as=\"geometry\">",
                    k, xml(shapeText(model.shape(e.tensor()))), id.get(g.getEdgeSource(e)), id.get(g.getEdgeTarget(e))));
            if (pts != null && pts.length > 4) {
                b.append("\n            <Array as=\"points\">");
                for (int p = 2; p + 3 < pts.length; p += 2) {
                    b.append(String.format(Locale.ROOT, "<mxPoint x=\"%.1f\" y=\"%.1f\"/>", 40 + pts[p], 40 + pts[p + 1]));
                }
                b.append("</Array>\n          ");
            }
            b.append("</mxGeometry>\n        </mxCell>\n");
            k++;
        }
        b.append("      </root>\n    </mxGraphModel>\n  </diagram>\n</mxfile>\n");
        return b.toString();
    }

    /** GraphML with node attributes op, name, x, y (layered layout centres) and edge attributes tensor, shape. */
    public static String graphml(Graph<Node, TensorEdge> g, ModelGraph model, Progress progress) {
        MapLayoutModel2D<Node> pos = new MapLayoutModel2D<>(Box2D.of(0, 0, 1, 1));
        layout(g, pos, progress);
        Map<Node, String> id = new HashMap<>();
        for (Node n : g.vertexSet()) id.put(n, "n" + id.size());
        Map<TensorEdge, String> eid = new HashMap<>();
        for (TensorEdge e : g.edgeSet()) eid.put(e, "e" + eid.size());
        GraphMLExporter<Node, TensorEdge> ex = new GraphMLExporter<>(id::get);
        ex.setEdgeIdProvider(eid::get);
        ex.registerAttribute("op", GraphMLExporter.AttributeCategory.NODE, AttributeType.STRING);
        ex.registerAttribute("name", GraphMLExporter.AttributeCategory.NODE, AttributeType.STRING);
        ex.registerAttribute("x", GraphMLExporter.AttributeCategory.NODE, AttributeType.DOUBLE);
        ex.registerAttribute("y", GraphMLExporter.AttributeCategory.NODE, AttributeType.DOUBLE);
        ex.registerAttribute("tensor", GraphMLExporter.AttributeCategory.EDGE, AttributeType.STRING);
        ex.registerAttribute("shape", GraphMLExporter.AttributeCategory.EDGE, AttributeType.STRING);
        ex.setVertexAttributeProvider(n -> Map.of("op", DefaultAttribute.createAttribute(n.opType()),
                "name", DefaultAttribute.createAttribute(n.name()),
                "x", DefaultAttribute.createAttribute(pos.get(n).getX()),
                "y", DefaultAttribute.createAttribute(pos.get(n).getY())));
        ex.setEdgeAttributeProvider(e -> Map.of("tensor", DefaultAttribute.createAttribute(e.tensor()),
                "shape", DefaultAttribute.createAttribute(shapeText(model.shape(e.tensor())))));
        StringWriter w = new StringWriter();
        ex.exportGraph(g, w);
        return w.toString();
    }

    static String fill(Node n) {
        return switch (n.opType()) {
            case "Conv", "ConvTranspose", "Gemm", "MatMul", "Einsum" -> "#dae8fc";
            case "BatchNormalization", "LayerNormalization", "GroupNormalization", "InstanceNormalization" -> "#d5e8d4";
            case "Relu", "Gelu", "Sigmoid", "Tanh", "Softmax", "HardSwish", "Clip", "LeakyRelu" -> "#fff2cc";
            case "Add", "Mul", "Sub", "Div", "Concat", "Split" -> "#f8cecc";
            default -> "#f5f5f5";
        };
    }

    static String shapeText(Shape s) {
        if (s == null || !s.hasRank()) return "";
        List<String> d = new ArrayList<>();
        for (int i = 0; i < s.rank(); i++) {
            long v = s.dims()[i];
            d.add(v >= 0 ? Long.toString(v) : s.symbols() != null && s.symbols()[i] != null ? s.symbols()[i] : "?");
        }
        return String.join("×", d);
    }

    static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("\n", "&#10;");
    }
}
