package dev.lopper.app.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.graph.Shape;
import dev.lopper.graph.layout.LayeredLayout;
import dev.lopper.graph.layout.LayeredLayout2D;
import dev.lopper.graph.layout.LayoutGraph;
import dev.lopper.graph.layout.LayoutResult;
import dev.lopper.task.Progress;

/**
 * What the graph canvas draws, computed off the UI thread and free of JavaFX: one box per op node plus one
 * per graph input and output, edges labelled with tensor shapes, a layered layout, and an index of the
 * boxes per layer sorted by x so drawing and hit tests only touch what is visible.
 */
public final class GraphScene {
    public enum Kind { OP, INPUT, OUTPUT, BLOCK }

    /**
     * One box. {@code node} is null for graph inputs/outputs and collapsed blocks; a BLOCK box stands for
     * {@code members} (a collapsed repeated block named {@code name}).
     */
    public record Box(int index, Kind kind, String title, String subtitle, String name, OpCategory category,
                      Node node, String tensor, double width, double height, List<Node> members) {
        public Box(int index, Kind kind, String title, String subtitle, String name, OpCategory category,
                   Node node, String tensor, double width, double height) {
            this(index, kind, title, subtitle, name, category, node, tensor, width, height, List.of());
        }
    }

    /** One edge: tensor {@code tensor} of shape {@code label} from box {@code source} to box {@code target}. */
    public record Edge(int source, int target, String tensor, String label) { }

    public static final double NODE_HEIGHT = 42;
    public static final double IO_HEIGHT = 30;

    private final ModelGraph graph;
    private final RepeatedBlocks blocks;
    private final java.util.Set<String> collapsed;
    private java.util.Set<String> hidden = java.util.Set.of();
    private boolean body;
    private final List<Box> boxes;
    private final List<Edge> edges;
    private final LayoutResult layout;
    private final Map<String, Integer> boxByNodeName = new HashMap<>();
    private final int[][] layerBoxes;        // per layer, box indices sorted by x
    private final double[] layerTop;
    private final double[] layerBottom;
    private final double[] edgeMinX;
    private final double[] edgeMaxX;
    private final double[] edgeMinY;
    private final double[] edgeMaxY;
    /** Edges by horizontal band of {@link #BAND} world units (CSR: band b holds bandEdges[bandStart[b] .. bandStart[b+1])). */
    private final int[] bandStart;
    private final int[] bandEdges;
    /** Edges spanning more than {@link #MAX_BANDS} bands, checked one by one. */
    private final int[] longEdges;
    /** Per edge, the last query that visited it (an edge lies in several bands). */
    private final int[] edgeStamp;
    private int stamp;
    static final double BAND = 256;
    static final int MAX_BANDS = 64;

    private GraphScene(ModelGraph graph, RepeatedBlocks blocks, java.util.Set<String> collapsed, List<Box> boxes,
                       List<Edge> edges, LayoutResult layout) {
        this.graph = graph;
        this.blocks = blocks;
        this.collapsed = java.util.Set.copyOf(collapsed);
        this.boxes = boxes;
        this.edges = edges;
        this.layout = layout;
        for (Box b : boxes) {
            if (b.node() != null) boxByNodeName.put(b.node().name(), b.index());
            if (b.kind() == Kind.BLOCK) boxByNodeName.putIfAbsent(b.name(), b.index());
            for (Node m : b.members()) boxByNodeName.put(m.name(), b.index());
        }
        int layers = layout.layerCount();
        int[] count = new int[layers];
        for (int i = 0; i < boxes.size(); i++) count[layout.layer()[i]]++;
        layerBoxes = new int[layers][];
        for (int l = 0; l < layers; l++) layerBoxes[l] = new int[count[l]];
        Arrays.fill(count, 0);
        for (int i = 0; i < boxes.size(); i++) {
            int l = layout.layer()[i];
            layerBoxes[l][count[l]++] = i;
        }
        layerTop = new double[layers];
        layerBottom = new double[layers];
        Arrays.fill(layerTop, Double.MAX_VALUE);
        Arrays.fill(layerBottom, -Double.MAX_VALUE);
        for (int l = 0; l < layers; l++) {
            int[] row = layerBoxes[l];
            Integer[] boxed = Arrays.stream(row).boxed().toArray(Integer[]::new);
            Arrays.sort(boxed, (a, b) -> Double.compare(layout.x()[a], layout.x()[b]));
            for (int i = 0; i < row.length; i++) {
                row[i] = boxed[i];
                Box b = boxes.get(row[i]);
                layerTop[l] = Math.min(layerTop[l], layout.y()[row[i]] - b.height() / 2);
                layerBottom[l] = Math.max(layerBottom[l], layout.y()[row[i]] + b.height() / 2);
            }
        }
        int e = edges.size();
        edgeMinX = new double[e];
        edgeMaxX = new double[e];
        edgeMinY = new double[e];
        edgeMaxY = new double[e];
        for (int i = 0; i < e; i++) {
            double[] p = layout.edgePoints()[i];
            double a = Double.MAX_VALUE, b = -Double.MAX_VALUE, c = Double.MAX_VALUE, d = -Double.MAX_VALUE;
            if (p != null) {
                for (int k = 0; k < p.length; k += 2) {
                    a = Math.min(a, p[k]);
                    b = Math.max(b, p[k]);
                    c = Math.min(c, p[k + 1]);
                    d = Math.max(d, p[k + 1]);
                }
            }
            edgeMinX[i] = a;
            edgeMaxX[i] = b;
            edgeMinY[i] = c;
            edgeMaxY[i] = d;
        }
        // the band index: a frame looks only at the edges of the bands it shows, not at all of them
        int bands = (int) Math.max(1, Math.ceil(Math.max(0, layout.height()) / BAND) + 1);
        int[] bandCount = new int[bands + 1];
        int longCount = 0;
        for (int i = 0; i < e; i++) {
            if (layout.edgePoints()[i] == null) continue;
            int b0 = band(edgeMinY[i], bands), b1 = band(edgeMaxY[i], bands);
            if (b1 - b0 >= MAX_BANDS) longCount++;
            else for (int b = b0; b <= b1; b++) bandCount[b + 1]++;
        }
        for (int b = 0; b < bands; b++) bandCount[b + 1] += bandCount[b];
        bandStart = bandCount.clone();
        bandEdges = new int[bandCount[bands]];
        longEdges = new int[longCount];
        longCount = 0;
        for (int i = 0; i < e; i++) {
            if (layout.edgePoints()[i] == null) continue;
            int b0 = band(edgeMinY[i], bands), b1 = band(edgeMaxY[i], bands);
            if (b1 - b0 >= MAX_BANDS) longEdges[longCount++] = i;
            else for (int b = b0; b <= b1; b++) bandEdges[bandCount[b]++] = i;
        }
        edgeStamp = new int[e];
    }

    private static int band(double y, int bands) {
        return (int) Math.max(0, Math.min(bands - 1, Math.floor(y / BAND)));
    }

    /**
     * The edges whose bounding box overlaps the rectangle (world coordinates), each once, written into {@code out}
     * (grown when too small); returns the array and sets {@code count[0]} to how many. Looks only at the bands the
     * rectangle spans, so its cost follows what is visible, not the size of the graph. FX thread only (not reentrant).
     */
    public int[] visibleEdges(double minX, double minY, double maxX, double maxY, int[] out, int[] count) {
        int n = 0;
        if (++stamp == Integer.MAX_VALUE) {
            Arrays.fill(edgeStamp, 0);
            stamp = 1;
        }
        int bands = bandStart.length - 1;
        int b0 = band(minY, bands), b1 = band(maxY, bands);
        for (int b = b0; b <= b1; b++) {
            for (int k = bandStart[b]; k < bandStart[b + 1]; k++) {
                int i = bandEdges[k];
                if (edgeStamp[i] == stamp) continue;
                edgeStamp[i] = stamp;
                if (!edgeIntersects(i, minX, minY, maxX, maxY)) continue;
                if (n == out.length) out = Arrays.copyOf(out, Math.max(16, n * 2));
                out[n++] = i;
            }
        }
        for (int i : longEdges) {
            if (!edgeIntersects(i, minX, minY, maxX, maxY)) continue;
            if (n == out.length) out = Arrays.copyOf(out, Math.max(16, n * 2));
            out[n++] = i;
        }
        count[0] = n;
        return out;
    }

    /** Builds boxes and edges from the graph and lays them out (may take seconds on 20k nodes). */
    public static GraphScene build(ModelGraph graph, Progress progress) {
        return build(graph, RepeatedBlocks.find(graph.nodes()), java.util.Set.of(), progress);
    }

    /** As {@link #build(ModelGraph, Progress)}, with the given repeated blocks drawn collapsed (one box each). */
    public static GraphScene build(ModelGraph graph, RepeatedBlocks blocks, java.util.Set<String> collapsed, Progress progress) {
        return build(graph, blocks, collapsed, java.util.Set.of(), progress);
    }

    /**
     * As {@link #build(ModelGraph, RepeatedBlocks, java.util.Set, Progress)}, leaving out the nodes named in
     * {@code hidden} (e.g. {@link ShapeComputations}) and their edges.
     */
    public static GraphScene build(ModelGraph graph, RepeatedBlocks blocks, java.util.Set<String> collapsed,
                                   java.util.Set<String> hidden, Progress progress) {
        return build(graph, blocks, collapsed, hidden, false, progress);
    }

    /**
     * As {@link #build(ModelGraph, RepeatedBlocks, java.util.Set, java.util.Set, Progress)}; {@code body} is true
     * for an If/Loop/Scan body, whose tensors read from the enclosing graph are drawn as inputs ("from outside").
     */
    public static GraphScene build(ModelGraph graph, RepeatedBlocks blocks, java.util.Set<String> collapsed,
                                   java.util.Set<String> hidden, boolean body, Progress progress) {
        GraphScene scene = layOut(graph, blocks, collapsed, hidden, body, progress);
        scene.hidden = java.util.Set.copyOf(hidden);
        scene.body = body;
        return scene;
    }

    /** The scene of an If/Loop/Scan body (see {@link dev.lopper.graph.SubgraphCost}), nothing collapsed or hidden. */
    public static GraphScene buildBody(ModelGraph body, Progress progress) {
        return build(body, RepeatedBlocks.find(body.nodes()), java.util.Set.of(), java.util.Set.of(), true, progress);
    }

    private static GraphScene layOut(ModelGraph graph, RepeatedBlocks blocks, java.util.Set<String> collapsed,
                                     java.util.Set<String> hidden, boolean body, Progress progress) {
        List<Box> boxes = new ArrayList<>();
        List<Edge> edges = new ArrayList<>();
        Map<String, Integer> producerBox = new HashMap<>();
        Map<String, List<Node>> blockMembers = new HashMap<>();
        for (Node n : graph.nodes()) {
            String key = blocks.blockOf(n.name());
            if (hidden.contains(n.name())) continue;
            if (key != null && collapsed.contains(key)) blockMembers.computeIfAbsent(key, k -> new ArrayList<>()).add(n);
        }
        Map<String, Integer> blockBox = new HashMap<>();
        int[] nodeBox = new int[graph.nodes().size()];
        for (int i = 0; i < graph.nodes().size(); i++) {
            Node n = graph.nodes().get(i);
            if (hidden.contains(n.name())) {
                nodeBox[i] = -1;
                continue;
            }
            String key = blocks.blockOf(n.name());
            int idx;
            if (key != null && collapsed.contains(key)) {
                Integer existing = blockBox.get(key);
                if (existing == null) {
                    idx = boxes.size();
                    List<Node> members = blockMembers.get(key);
                    String title = key.substring(key.lastIndexOf('/') + 1);
                    String sub = members.size() + " ops · double-click to expand";
                    boxes.add(new Box(idx, Kind.BLOCK, title, sub, key, OpCategory.OTHER, null, null,
                            boxWidth(title, sub), NODE_HEIGHT + 8, List.copyOf(members)));
                    blockBox.put(key, idx);
                } else {
                    idx = existing;
                }
            } else {
                String shape = n.outputs().isEmpty() ? "" : shapeText(graph.shape(n.output(0)));
                idx = boxes.size();
                boxes.add(new Box(idx, Kind.OP, n.opType(), shape, n.name(), OpCategory.of(n.opType()), n, null,
                        boxWidth(n.opType(), shape), NODE_HEIGHT));
            }
            nodeBox[i] = idx;
            for (String o : n.outputs()) if (!o.isEmpty()) producerBox.put(o, idx);
        }
        for (String in : graph.inputs()) {
            String shape = shapeText(graph.shape(in));
            int idx = boxes.size();
            boxes.add(new Box(idx, Kind.INPUT, in, shape, in, OpCategory.IO, null, in, boxWidth(in, shape), IO_HEIGHT));
            producerBox.put(in, idx);
        }
        if (body) {
            // names the body reads from the enclosing graph (not its constants): inputs from outside
            for (int i = 0; i < graph.nodes().size(); i++) {
                if (nodeBox[i] < 0) continue;
                for (String in : graph.nodes().get(i).inputs()) {
                    if (in.isEmpty() || producerBox.containsKey(in) || graph.isConstant(in)) continue;
                    String shape = shapeText(graph.shape(in));
                    String sub = shape.isEmpty() ? "from outside" : shape + " · outside";
                    int idx = boxes.size();
                    boxes.add(new Box(idx, Kind.INPUT, in, sub, in, OpCategory.IO, null, in, boxWidth(in, sub), IO_HEIGHT));
                    producerBox.put(in, idx);
                }
            }
        }
        java.util.Set<String> seenEdges = new java.util.HashSet<>();
        for (int i = 0; i < graph.nodes().size(); i++) {
            Node n = graph.nodes().get(i);
            int target = nodeBox[i];
            if (target < 0) continue;
            for (String in : n.inputs()) {
                if (in.isEmpty()) continue;
                Integer src = producerBox.get(in);
                if (src == null || src == target) continue;
                if (boxes.get(target).kind() == Kind.BLOCK && !seenEdges.add(src + ">" + target + ":" + in)) continue;
                edges.add(new Edge(src, target, in, shapeText(graph.shape(in))));
            }
        }
        for (String out : graph.outputs()) {
            Integer src = producerBox.get(out);
            int idx = boxes.size();
            String shape = shapeText(graph.shape(out));
            boxes.add(new Box(idx, Kind.OUTPUT, out, shape, out, OpCategory.IO, null, out, boxWidth(out, shape), IO_HEIGHT));
            if (src != null) edges.add(new Edge(src, idx, out, shape));
        }
        progress.checkCancelled();
        int n = boxes.size();
        double[] w = new double[n];
        double[] h = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = boxes.get(i).width();
            h[i] = boxes.get(i).height();
        }
        int[] s = new int[edges.size()];
        int[] t = new int[edges.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = edges.get(i).source();
            t[i] = edges.get(i).target();
        }
        // JGraphT's drawing API over the boxes (edge objects are indices: two edges may join the same boxes)
        org.jgrapht.Graph<Integer, Integer> boxGraph = new org.jgrapht.graph.DirectedPseudograph<>(null, null, false);
        for (int i = 0; i < n; i++) boxGraph.addVertex(i);
        for (int i = 0; i < s.length; i++) boxGraph.addEdge(s[i], t[i], i);
        LayeredLayout2D<Integer, Integer> algorithm = new LayeredLayout2D<>(new LayeredLayout(), i -> w[i], i -> h[i], progress);
        algorithm.layout(boxGraph, new org.jgrapht.alg.drawing.model.MapLayoutModel2D<>(
                org.jgrapht.alg.drawing.model.Box2D.of(0, 0, 1, 1)));
        LayoutResult layout = algorithm.result();
        return new GraphScene(graph, blocks, collapsed, List.copyOf(boxes), List.copyOf(edges), layout);
    }

    static double boxWidth(String title, String subtitle) {
        return Math.max(76, Math.max(title.length() * 8.2, subtitle.length() * 6.9) + 22);
    }

    /** "1×64×56×56"; symbols kept ("batch×128"); "" when the rank is unknown. */
    public static String shapeText(Shape s) {
        if (s == null || !s.hasRank()) return "";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.rank(); i++) {
            if (i > 0) b.append('×');
            long d = s.dims()[i];
            if (d >= 0) b.append(d);
            else b.append(s.symbols()[i] != null ? s.symbols()[i] : "?");
        }
        return s.rank() == 0 ? "scalar" : b.toString();
    }

    public ModelGraph graph() { return graph; }

    public RepeatedBlocks blocks() { return blocks; }

    /** Nodes left out of the drawing (shape computations when they are hidden). */
    public java.util.Set<String> hidden() { return hidden; }

    /** True for the scene of an If/Loop/Scan body ({@link #buildBody}). */
    public boolean isBody() { return body; }

    /** Keys of the blocks drawn collapsed. */
    public java.util.Set<String> collapsed() { return collapsed; }

    public List<Box> boxes() { return boxes; }

    public List<Edge> edges() { return edges; }

    public LayoutResult layout() { return layout; }

    public double x(int box) { return layout.x()[box]; }

    public double y(int box) { return layout.y()[box]; }

    public double width() { return layout.width(); }

    public double height() { return layout.height(); }

    /** Box of an op node (or of a collapsed block, by its key), or -1. */
    public int boxOf(String nodeName) { return boxByNodeName.getOrDefault(nodeName, -1); }

    public int layerCount() { return layerBoxes.length; }

    public int[] layerBoxes(int layer) { return layerBoxes[layer]; }

    public double layerTop(int layer) { return layerTop[layer]; }

    public double layerBottom(int layer) { return layerBottom[layer]; }

    public boolean edgeIntersects(int edge, double minX, double minY, double maxX, double maxY) {
        return edgeMaxX[edge] >= minX && edgeMinX[edge] <= maxX && edgeMaxY[edge] >= minY && edgeMinY[edge] <= maxY;
    }

    /** Calls {@code visitor} for every box overlapping the rectangle (world coordinates). */
    public void visibleBoxes(double minX, double minY, double maxX, double maxY, java.util.function.IntConsumer visitor) {
        int first = firstLayerEndingAfter(minY);
        for (int l = first; l < layerBoxes.length && layerTop[l] <= maxY; l++) {
            int[] row = layerBoxes[l];
            // boxes sorted by centre x; widths vary, so start a little left of the first centre past minX
            int lo = lowerBound(row, minX - 600);
            for (int i = lo; i < row.length; i++) {
                int b = row[i];
                double cx = layout.x()[b];
                double hw = boxes.get(b).width() / 2;
                if (cx - hw > maxX) break;
                if (cx + hw >= minX) visitor.accept(b);
            }
        }
    }

    /** The box under a world point, or -1. */
    public int boxAt(double wx, double wy) {
        int[] hit = {-1};
        visibleBoxes(wx, wy, wx, wy, b -> {
            Box box = boxes.get(b);
            if (Math.abs(wy - layout.y()[b]) <= box.height() / 2 && Math.abs(wx - layout.x()[b]) <= box.width() / 2) hit[0] = b;
        });
        return hit[0];
    }

    private int firstLayerEndingAfter(double y) {
        int lo = 0, hi = layerBoxes.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (layerBottom[mid] < y) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private int lowerBound(int[] row, double x) {
        int lo = 0, hi = row.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (layout.x()[row[mid]] < x) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /**
     * Boxes matching a search: node name, op type, or any input/output tensor name containing the text
     * (case-insensitive). Exact op-type matches come first.
     */
    public List<Integer> search(String text) {
        List<Integer> exact = new ArrayList<>();
        List<Integer> partial = new ArrayList<>();
        String q = text.trim().toLowerCase(Locale.ROOT);
        if (q.isEmpty()) return List.of();
        for (Box b : boxes) {
            if (b.title().toLowerCase(Locale.ROOT).equals(q)) {
                exact.add(b.index());
                continue;
            }
            boolean hit = b.name().toLowerCase(Locale.ROOT).contains(q) || b.title().toLowerCase(Locale.ROOT).contains(q);
            if (!hit) for (Node m : b.members()) if (m.name().toLowerCase(Locale.ROOT).contains(q)) { hit = true; break; }
            if (!hit && b.node() != null) {
                for (String t : b.node().inputs()) if (t.toLowerCase(Locale.ROOT).contains(q)) { hit = true; break; }
                if (!hit) for (String t : b.node().outputs()) if (t.toLowerCase(Locale.ROOT).contains(q)) { hit = true; break; }
            }
            if (hit) partial.add(b.index());
        }
        exact.addAll(partial);
        return exact;
    }
}
