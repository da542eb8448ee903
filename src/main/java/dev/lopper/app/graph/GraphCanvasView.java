package dev.lopper.app.graph;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import javafx.application.Platform;
import javafx.css.CssMetaData;
import javafx.css.Styleable;
import javafx.css.StyleableProperty;
import javafx.css.StyleablePropertyFactory;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Label;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.input.ScrollEvent;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.paint.CycleMethod;
import javafx.scene.paint.LinearGradient;
import javafx.scene.paint.Stop;
import javafx.scene.text.Font;
import javafx.scene.text.FontWeight;
import javafx.scene.text.TextAlignment;

/**
 * The graph, drawn on one {@link Canvas}: only what is inside the viewport is drawn (boxes found per layer by
 * binary search, edges by bounding box), with level of detail (plain boxes when zoomed out; rounded boxes,
 * op names, shapes and edge labels when zoomed in). Drag to pan, scroll to zoom, click to select; a minimap
 * shows and moves the viewport. Colours are CSS properties ({@code -lopper-op-conv: #...}).
 */
public final class GraphCanvasView extends Region {
    private static final StyleablePropertyFactory<GraphCanvasView> CSS =
            new StyleablePropertyFactory<>(Region.getClassCssMetaData());
    private static final double MIN_SCALE = 0.0005;
    private static final double MAX_SCALE = 4;
    private static final double MINIMAP_W = 170;
    private static final double MINIMAP_H = 150;

    private final GraphViewModel viewModel;
    private final Canvas canvas = new Canvas();
    private final Canvas minimap = new Canvas(MINIMAP_W, MINIMAP_H);
    private final Label hoverCard = new Label();
    private final Map<OpCategory, StyleableProperty<Color>> categoryColors = new EnumMap<>(OpCategory.class);
    private final StyleableProperty<Color> background;
    private final StyleableProperty<Color> edgeColor;
    private final StyleableProperty<Color> textColor;
    private final StyleableProperty<Color> selectionColor;

    private double scale = 1;
    private double offsetX; // world coordinate at the canvas' left edge
    private double offsetY;
    private boolean paintPending;
    private boolean fitPending = true;
    /** True until the user pans or zooms: the view is re-fitted when the canvas is resized (the window opens). */
    private boolean autoView = true;
    /** False when the minimap's picture of the graph must be drawn again (new scene or overlay). */
    private boolean minimapDrawn;
    private double minimapScale;
    /** The viewport on the minimap: a node of its own, so a pan moves it without redrawing the minimap. */
    private final javafx.scene.shape.Rectangle minimapViewport = new javafx.scene.shape.Rectangle();
    /** True when a repaint is wanted and has not happened yet (a paint already done serves the queued one). */
    private boolean dirty;
    /** The edges a frame draws (reused: no allocation per frame). */
    private int[] visibleEdges = new int[256];
    private final int[] visibleEdgeCount = new int[1];
    private static final Font TITLE_FONT = Font.font("System", FontWeight.BOLD, 12.5);
    private static final Font SUB_FONT = Font.font("System", 11);
    private static final Font EDGE_FONT = Font.font("System", 9.5);
    private static final Font LEGEND_FONT = Font.font("System", 10);
    private static final Color STRIP_BACKGROUND = Color.web("#d6e6fb");
    private static final Color COUPLING = Color.web("#6a1b9a");
    private static final Color LOCKING = Color.web("#c62828");
    private static final Color REMOVED = Color.web("#d32f2f");
    private static final Color HATCH = Color.web("#7a1f1f", 0.55);
    private static final Color[] HEAT_STOPS = {Color.web("#30123b"), Color.web("#4662d7"), Color.web("#1ae4b6"),
            Color.web("#fabb39"), Color.web("#f7f05d")};
    private double dragX;
    private double dragY;
    private boolean dragged;
    private int hoverBox = -1;
    private long lastPaintNanos;
    /** Where the view looks (scale and the world point at its top-left); the compare view binds two canvases by it. */
    public record Viewport(double scale, double x, double y) { }
    /** Opens If/Loop/Scan bodies on double-click and from the context menu; null: bodies are not opened here. */
    private BodyNavigator bodies;
    private final javafx.scene.control.ContextMenu bodyMenu = new javafx.scene.control.ContextMenu();
    private final javafx.beans.property.ReadOnlyObjectWrapper<Viewport> viewport =
            new javafx.beans.property.ReadOnlyObjectWrapper<>(new Viewport(1, 0, 0));
    private static final Color TINT = Color.web("#f4a7a0");

    public GraphCanvasView(GraphViewModel viewModel) {
        this.viewModel = viewModel;
        getStyleClass().add("graph-canvas");
        for (OpCategory c : OpCategory.values()) {
            categoryColors.put(c, CSS.createStyleableColorProperty(this, c.cssName() + "Color",
                    "-lopper-op-" + c.cssName(), v -> v.categoryColors.get(c), defaultColor(c)));
        }
        background = CSS.createStyleableColorProperty(this, "canvasBackground", "-lopper-canvas-background",
                v -> v.background, Color.web("#fafafa"));
        edgeColor = CSS.createStyleableColorProperty(this, "edgeColor", "-lopper-edge", v -> v.edgeColor,
                Color.web("#8a8f98"));
        textColor = CSS.createStyleableColorProperty(this, "textColor", "-lopper-node-text", v -> v.textColor,
                Color.web("#1d1f23"));
        selectionColor = CSS.createStyleableColorProperty(this, "selectionColor", "-lopper-selection",
                v -> v.selectionColor, Color.web("#0b63ce"));
        hoverCard.getStyleClass().add("hover-card");
        hoverCard.setManaged(false);
        hoverCard.setVisible(false);
        hoverCard.setMouseTransparent(true);
        minimap.getStyleClass().add("minimap");
        // the minimap changes only with the scene: cached with its shadow, not rendered again on every pan
        minimap.setCache(true);
        minimapViewport.setManaged(false);
        minimapViewport.setMouseTransparent(true);
        minimapViewport.setFill(Color.TRANSPARENT);
        minimapViewport.setStrokeWidth(1.5);
        minimapViewport.getStyleClass().add("minimap-viewport");
        getChildren().addAll(canvas, minimap, minimapViewport, hoverCard);
        setMinSize(100, 100);

        viewModel.sceneProperty().addListener((o, a, b) -> {
            minimapDrawn = false;
            fitPending = true;
            autoView = true;
            // a hover card describes a box of the old scene (e.g. the block just expanded): it goes
            hoverBox = -1;
            hoverCard.setVisible(false);
            requestPaint();
        });
        viewModel.selectedBoxProperty().addListener((o, a, b) -> requestPaint());
        viewModel.overlayProperty().addListener((o, a, b) -> { minimapDrawn = false; requestPaint(); });
        viewModel.channelLabelsProperty().addListener((o, a, b) -> requestPaint());
        viewModel.tintedProperty().addListener((o, a, b) -> requestPaint());
        viewModel.revealRequestsProperty().addListener((o, a, b) -> reveal(viewModel.selectedBoxProperty().get()));

        canvas.setOnMousePressed(this::onPressed);
        canvas.setOnMouseDragged(this::onDragged);
        canvas.setOnMouseReleased(this::onReleased);
        canvas.setOnMouseMoved(this::onMoved);
        canvas.setOnMouseExited(e -> { hoverBox = -1; hoverCard.setVisible(false); });
        canvas.setOnScroll(this::onScroll);
        bodyMenu.setId("body-menu");
        minimap.setOnMousePressed(this::onMinimap);
        minimap.setOnMouseDragged(this::onMinimap);
    }

    private static Color defaultColor(OpCategory c) {
        return switch (c) {
            case CONV -> Color.web("#6fa8dc");
            case LINEAR -> Color.web("#8e7cc3");
            case NORM -> Color.web("#93c47d");
            case ACTIVATION -> Color.web("#f6b26b");
            case POOL -> Color.web("#76a5af");
            case ELEMENTWISE -> Color.web("#ffd966");
            case SHAPE -> Color.web("#d9d9d9");
            case REDUCE -> Color.web("#c27ba0");
            case CONSTANT -> Color.web("#eeeeee");
            case CONTROL -> Color.web("#e06666");
            case IO -> Color.web("#ffffff");
            case OTHER -> Color.web("#b7b7b7");
        };
    }

    public static List<CssMetaData<? extends Styleable, ?>> getClassCssMetaData() { return CSS.getCssMetaData(); }

    @Override
    public List<CssMetaData<? extends Styleable, ?>> getCssMetaData() { return CSS.getCssMetaData(); }

    public Color colorOf(OpCategory c) { return categoryColors.get(c).getValue(); }

    @Override
    protected void layoutChildren() {
        double w = getWidth();
        double h = getHeight();
        if (canvas.getWidth() != w || canvas.getHeight() != h) {
            canvas.setWidth(w);
            canvas.setHeight(h);
            if (autoView) fitPending = true;
            requestPaint();
        }
        minimap.relocate(w - MINIMAP_W - 10, h - MINIMAP_H - 10);
    }

    // ---------------------------------------------------------------- navigation

    public double scale() { return scale; }

    /**
     * Fits the whole graph into the view, left of the minimap. A graph so deep that it would shrink below
     * {@link #MIN_FIT_SCALE} (a thin vertical line) is fitted to the width instead, from its top.
     */
    public void fit() {
        GraphScene s = viewModel.sceneProperty().get();
        double w = canvas.getWidth();
        double h = canvas.getHeight();
        if (s == null || w <= 0 || h <= 0) { fitPending = true; return; }
        double free = fitWidth(w);
        double sc = Math.min((free - 40) / Math.max(1, s.width()), (h - 40) / Math.max(1, s.height()));
        autoView = true;
        if (sc < MIN_FIT_SCALE) sc = Math.min(1.0, (free - 40) / Math.max(1, s.width()));
        scale = clamp(Math.min(sc, 1.2));
        offsetX = s.width() / 2 - free / 2 / scale;
        offsetY = s.height() / 2 - h / 2 / scale;
        if (s.height() * scale > h) offsetY = -20 / scale;
        fitPending = false;
        requestPaint();
    }

    /** Scale under which fitting the whole graph gives way to fitting its width. */
    static final double MIN_FIT_SCALE = 0.15;

    /** Width the fitted graph may use: the minimap keeps its strip on the right when there is room. */
    private static double fitWidth(double w) {
        return w > 2 * (MINIMAP_W + 20) ? w - MINIMAP_W - 20 : w;
    }

    /** True while the view follows the window (fitted, not panned or zoomed by the user). */
    public boolean isAutoView() { return autoView; }

    /** True while the hover card (the box under the mouse) is shown. */
    public boolean isHoverCardShown() { return hoverCard.isVisible(); }

    /** A readable zoom level, keeping the top of the graph (or the selection) in view. */
    public void zoomToReadable() {
        GraphScene s = viewModel.sceneProperty().get();
        if (s == null) return;
        autoView = false;
        scale = 1;
        offsetX = s.width() / 2 - canvas.getWidth() / 2;
        offsetY = -20;
        requestPaint();
    }

    public void zoom(double factor) {
        zoomAround(factor, canvas.getWidth() / 2, canvas.getHeight() / 2);
    }

    private void zoomAround(double factor, double sx, double sy) {
        autoView = false;
        double wx = offsetX + sx / scale;
        double wy = offsetY + sy / scale;
        scale = clamp(scale * factor);
        offsetX = wx - sx / scale;
        offsetY = wy - sy / scale;
        requestPaint();
    }

    public void panBy(double dxScreen, double dyScreen) {
        autoView = false;
        offsetX -= dxScreen / scale;
        offsetY -= dyScreen / scale;
        requestPaint();
    }

    /** Centres the view on a box, zooming in to a readable level if needed. */
    public void reveal(int box) {
        GraphScene s = viewModel.sceneProperty().get();
        if (s == null || box < 0) return;
        autoView = false;
        double free = fitWidth(canvas.getWidth());
        // a readable zoom; the graph's whole width when that is still readable (clear of the minimap)
        if (scale < 0.7) scale = Math.max(0.55, Math.min(0.9, (free - 40) / Math.max(1, s.width())));
        // centred in the part left of the minimap, as fit() does, so the minimap does not cover it
        offsetX = s.width() * scale <= free - 40 ? s.width() / 2 - free / 2 / scale : s.x(box) - free / 2 / scale;
        offsetY = s.y(box) - canvas.getHeight() / 2 / scale;
        requestPaint();
    }

    private static double clamp(double s) { return Math.max(MIN_SCALE, Math.min(MAX_SCALE, s)); }

    // ---------------------------------------------------------------- input

    private void onPressed(MouseEvent e) {
        if (e.getButton() == MouseButton.SECONDARY) {
            // the context menu: the bodies of an If/Loop/Scan node
            int b = boxAtScreen(e.getX(), e.getY());
            if (b >= 0) viewModel.select(b);
            showBodyMenu(b, e.getScreenX(), e.getScreenY());
        }
        dragX = e.getX();
        dragY = e.getY();
        dragged = false;
        requestFocus();
    }

    private void onDragged(MouseEvent e) {
        double dx = e.getX() - dragX;
        double dy = e.getY() - dragY;
        if (Math.abs(dx) + Math.abs(dy) > 2) dragged = true;
        dragX = e.getX();
        dragY = e.getY();
        panBy(dx, dy);
    }

    private void onReleased(MouseEvent e) {
        if (dragged || e.getButton() != MouseButton.PRIMARY) return;
        int b = boxAtScreen(e.getX(), e.getY());
        viewModel.select(b);
        if (e.getClickCount() == 2 && b >= 0) {
            GraphScene.Box box = viewModel.sceneProperty().get().boxes().get(b);
            if (box.kind() == GraphScene.Kind.BLOCK) viewModel.expand(box.name());
            else if (bodies != null && !bodies.bodies(b).isEmpty()) {
                List<String> names = bodies.bodies(b);
                if (names.size() == 1) bodies.open(b, names.get(0));
                else showBodyMenu(b, e.getScreenX(), e.getScreenY()); // If: then or else
            } else reveal(b);
        }
    }

    /** Lets double-click and the context menu open the bodies of If/Loop/Scan nodes through {@code navigator}. */
    public void setBodyNavigator(BodyNavigator navigator) { this.bodies = navigator; }

    /** The menu listing the bodies of a box's node ("Open then_branch"); nothing for other boxes. */
    private void showBodyMenu(int b, double screenX, double screenY) {
        bodyMenu.hide();
        if (bodies == null || b < 0) return;
        List<String> names = bodies.bodies(b);
        if (names.isEmpty()) return;
        bodyMenu.getItems().clear();
        for (String name : names) {
            javafx.scene.control.MenuItem item = new javafx.scene.control.MenuItem("Open " + name);
            item.setId("open-body-" + name);
            item.setOnAction(a -> bodies.open(b, name));
            bodyMenu.getItems().add(item);
        }
        bodyMenu.show(canvas, screenX, screenY);
    }

    private void onMoved(MouseEvent e) {
        int b = boxAtScreen(e.getX(), e.getY());
        if (b == hoverBox) {
            if (b >= 0) placeHoverCard(e.getX(), e.getY());
            return;
        }
        hoverBox = b;
        if (b < 0) {
            hoverCard.setVisible(false);
            return;
        }
        hoverCard.setText(hoverText(b));
        hoverCard.setVisible(true);
        hoverCard.autosize();
        placeHoverCard(e.getX(), e.getY());
    }

    private void placeHoverCard(double x, double y) {
        hoverCard.autosize();
        double px = Math.min(x + 14, getWidth() - hoverCard.getWidth() - 4);
        double py = Math.min(y + 14, getHeight() - hoverCard.getHeight() - 4);
        hoverCard.relocate(Math.max(0, px), Math.max(0, py));
    }

    /** What the hover card says about a box. */
    public String hoverText(int b) {
        GraphScene s = viewModel.sceneProperty().get();
        GraphScene.Box box = s.boxes().get(b);
        StringBuilder t = new StringBuilder();
        switch (box.kind()) {
            case INPUT -> t.append("Graph input ").append(box.name());
            case OUTPUT -> t.append("Graph output ").append(box.name());
            case OP -> {
                t.append(box.title()).append("  ").append(box.name());
                if (bodies != null && !bodies.bodies(b).isEmpty()) t.append("\ndouble-click to open its body (")
                        .append(String.join(", ", bodies.bodies(b))).append(")");
            }
            case BLOCK -> t.append("Repeated block ").append(box.name()).append(" · ").append(box.members().size())
                    .append(" ops (double-click to expand)");
        }
        if (!box.subtitle().isEmpty()) t.append("\nshape ").append(box.subtitle());
        GroupOverlay ov = viewModel.overlayProperty().get();
        if (ov != null && ov.heat().containsKey(b)) {
            t.append("\nin group ").append(ov.groupId());
            if (ov.locked()) t.append(" — locked: ").append(ov.lockReason());
            else {
                double h = ov.heat().get(b);
                if (!Double.isNaN(h)) t.append(String.format(" — importance %.2f", h));
            }
        }
        String label = viewModel.channelLabelsProperty().get().get(b);
        if (label != null) t.append(box.kind() == GraphScene.Kind.BLOCK ? "\nchanged: " : "\nchannels ").append(label);
        return t.toString();
    }

    private void onScroll(ScrollEvent e) {
        if (e.getDeltaY() == 0) return;
        zoomAround(Math.exp(e.getDeltaY() * 0.0025), e.getX(), e.getY());
        e.consume();
    }

    private void onMinimap(MouseEvent e) {
        GraphScene s = viewModel.sceneProperty().get();
        if (s == null || minimapScale <= 0) return;
        double[] o = minimapOrigin(s);
        double wx = (e.getX() - o[0]) / minimapScale;
        double wy = (e.getY() - o[1]) / minimapScale;
        offsetX = wx - canvas.getWidth() / 2 / scale;
        offsetY = wy - canvas.getHeight() / 2 / scale;
        autoView = false;
        requestPaint();
        e.consume();
    }

    /** Box under a screen point of the canvas, or -1. */
    public int boxAtScreen(double sx, double sy) {
        GraphScene s = viewModel.sceneProperty().get();
        if (s == null) return -1;
        return s.boxAt(offsetX + sx / scale, offsetY + sy / scale);
    }

    /** Screen position of a box centre (for tests). */
    public double[] screenOf(int box) {
        GraphScene s = viewModel.sceneProperty().get();
        return new double[] {(s.x(box) - offsetX) * scale, (s.y(box) - offsetY) * scale};
    }

    // ---------------------------------------------------------------- painting

    /** The current viewport; changes on every pan, zoom and fit. */
    public javafx.beans.property.ReadOnlyObjectProperty<Viewport> viewportProperty() { return viewport.getReadOnlyProperty(); }

    /** Looks where {@code v} says (another canvas' viewport): the view no longer follows the window. */
    public void setViewport(Viewport v) {
        if (v.equals(viewport.get())) return;
        autoView = false;
        fitPending = false;
        scale = clamp(v.scale());
        offsetX = v.x();
        offsetY = v.y();
        requestPaint();
    }

    public void requestPaint() {
        Viewport v = new Viewport(scale, offsetX, offsetY);
        if (!v.equals(viewport.get())) viewport.set(v);
        dirty = true;
        if (paintPending) return;
        paintPending = true;
        Platform.runLater(() -> {
            paintPending = false;
            if (dirty) paint();
        });
    }

    /** Nanoseconds the last {@link #paint()} took to issue its drawing. */
    public long lastPaintNanos() { return lastPaintNanos; }

    /** Redraws the visible part of the graph now (FX thread). */
    public void paint() {
        long t0 = System.nanoTime();
        dirty = false;
        GraphicsContext g = canvas.getGraphicsContext2D();
        double w = canvas.getWidth();
        double h = canvas.getHeight();
        g.setTransform(1, 0, 0, 1, 0, 0);
        g.setFill(background.getValue());
        g.fillRect(0, 0, w, h);
        GraphScene s = viewModel.sceneProperty().get();
        minimap.setVisible(s != null);
        minimapViewport.setVisible(s != null);
        if (s == null || w <= 0 || h <= 0) {
            lastPaintNanos = System.nanoTime() - t0;
            return;
        }
        if (fitPending) fit();
        double minX = offsetX;
        double minY = offsetY;
        double maxX = offsetX + w / scale;
        double maxY = offsetY + h / scale;
        boolean text = scale >= 0.45;
        boolean tiny = scale < 0.08;
        GroupOverlay overlay = viewModel.overlayProperty().get();
        Map<Integer, String> channelLabels = viewModel.channelLabelsProperty().get();
        int selected = viewModel.selectedBoxProperty().get();
        java.util.Set<Integer> tinted = viewModel.tintedProperty().get();

        g.setTransform(scale, 0, 0, scale, -offsetX * scale, -offsetY * scale);
        // edges
        List<GraphScene.Edge> edges = s.edges();
        double[][] pts = s.layout().edgePoints();
        g.setStroke(edgeColor.getValue());
        g.setLineWidth(Math.max(1 / scale, tiny ? 0 : 1.2));
        boolean drawEdges = !tiny || edges.size() < 20_000;
        if (drawEdges) {
            visibleEdges = s.visibleEdges(minX, minY, maxX, maxY, visibleEdges, visibleEdgeCount);
            int[] vis = visibleEdges;
            int nVis = visibleEdgeCount[0];
            g.beginPath();
            for (int v = 0; v < nVis; v++) {
                int i = vis[v];
                double[] p = pts[i];
                g.moveTo(p[0], p[1]);
                if (p.length == 4 || !text) {
                    for (int k = 2; k < p.length; k += 2) g.lineTo(p[k], p[k + 1]);
                } else {
                    // smooth through the bends
                    for (int k = 2; k < p.length - 2; k += 2) {
                        double mx = (p[k] + p[k + 2]) / 2;
                        double my = (p[k + 1] + p[k + 3]) / 2;
                        g.quadraticCurveTo(p[k], p[k + 1], mx, my);
                    }
                    g.lineTo(p[p.length - 2], p[p.length - 1]);
                }
            }
            g.stroke();
            if (text) {
                // the arrowheads: one path, one fill
                g.setFill(edgeColor.getValue());
                g.beginPath();
                for (int v = 0; v < nVis; v++) {
                    double[] p = pts[vis[v]];
                    double ex = p[p.length - 2];
                    double ey = p[p.length - 1];
                    g.moveTo(ex - 4, ey - 7);
                    g.lineTo(ex + 4, ey - 7);
                    g.lineTo(ex, ey);
                    g.closePath();
                }
                g.fill();
                if (scale >= 0.75) {
                    g.setFont(EDGE_FONT);
                    g.setTextAlign(TextAlignment.LEFT);
                    g.setTextBaseline(VPos.CENTER);
                    for (int v = 0; v < nVis; v++) {
                        int i = vis[v];
                        double[] p = pts[i];
                        String label = edges.get(i).label();
                        if (label.isEmpty()) continue;
                        g.fillText(label, p[0] + 4, p[1] + 9);
                    }
                }
            }
        }
        // boxes
        final GraphicsContext gc = g;
        Font titleFont = TITLE_FONT;
        Font subFont = SUB_FONT;
        gc.setTextAlign(TextAlignment.CENTER);
        gc.setTextBaseline(VPos.CENTER);
        s.visibleBoxes(minX, minY, maxX, maxY, b -> {
            GraphScene.Box box = s.boxes().get(b);
            double x = s.x(b) - box.width() / 2;
            double y = s.y(b) - box.height() / 2;
            Color fill = categoryColors.get(box.category()).getValue();
            Double heat = overlay == null ? null : overlay.heat().get(b);
            if (overlay != null && heat == null) fill = fill.deriveColor(0, 0.35, 1.08, 1);
            if (tinted.contains(b)) fill = fill.interpolate(TINT, 0.6);
            boolean strip = heat != null && !overlay.locked() && overlay.channelImportance() != null;
            if (heat != null && !overlay.locked()) fill = strip ? STRIP_BACKGROUND : heatColor(heat);
            if (!text) {
                gc.setFill(fill);
                gc.fillRect(x, y, box.width(), box.height());
                if (heat != null || b == selected) {
                    gc.setStroke(b == selected ? selectionColor.getValue() : Color.BLACK);
                    gc.setLineWidth(3 / scale);
                    gc.strokeRect(x, y, box.width(), box.height());
                }
                return;
            }
            double arc = box.kind() == GraphScene.Kind.OP || box.kind() == GraphScene.Kind.BLOCK ? 8 : box.height();
            if (box.kind() == GraphScene.Kind.BLOCK) {
                // a stack of cards: this box stands for many nodes
                gc.setFill(fill.darker());
                gc.fillRoundRect(x + 6, y - 6, box.width(), box.height(), arc, arc);
                gc.setFill(fill.interpolate(Color.WHITE, 0.3));
                gc.fillRoundRect(x + 3, y - 3, box.width(), box.height(), arc, arc);
            }
            gc.setFill(fill);
            gc.fillRoundRect(x, y, box.width(), box.height(), arc, arc);
            if (heat != null && overlay.locked()) hatch(gc, x, y, box.width(), box.height());
            if (strip) channelStrip(gc, overlay, x + 4, y + box.height() - 7, box.width() - 8, 4.5);
            gc.setStroke(b == selected ? selectionColor.getValue() : heat != null ? Color.BLACK : fill.darker());
            gc.setLineWidth(b == selected || heat != null ? 2.5 : 1);
            gc.strokeRoundRect(x, y, box.width(), box.height(), arc, arc);
            gc.setFill(heat != null && !overlay.locked() && !strip && heat < 0.45 ? Color.WHITE : textColor.getValue());
            boolean two = !box.subtitle().isEmpty();
            gc.setFont(titleFont);
            gc.fillText(box.title(), s.x(b), s.y(b) - (two ? 9 : 0), box.width() - 6);
            if (two) {
                gc.setFont(subFont);
                gc.fillText(box.subtitle(), s.x(b), s.y(b) + 7, box.width() - 6);
            }
            Integer step = overlay == null ? null : overlay.couplings().get(b);
            if (step != null) {
                // "Explain a group": the node's place in the chain of couplings
                gc.setFont(subFont);
                gc.setFill(COUPLING);
                gc.fillOval(x - 9, y - 9, 18, 18);
                gc.setFill(Color.WHITE);
                gc.fillText(String.valueOf(step), x, y);
                gc.setFont(titleFont);
            }
            if (overlay != null && overlay.lockingBox() == b) {
                gc.setStroke(LOCKING);
                gc.setLineWidth(4);
                gc.setLineDashes(6, 4);
                gc.strokeRoundRect(x - 4, y - 4, box.width() + 8, box.height() + 8, arc + 4, arc + 4);
                gc.setLineDashes();
                gc.setFont(subFont);
                gc.setFill(LOCKING);
                gc.fillText("locks the group", s.x(b), y + box.height() + 12);
                gc.setFont(titleFont);
            }
            String label = channelLabels.get(b);
            if (label != null) {
                gc.setFont(subFont);
                double lw = label.length() * 6 + 10;
                double lx = x + box.width() - lw / 2 - 2;
                double ly = y - 2;
                gc.setFill(LOCKING);
                gc.fillRoundRect(lx - lw / 2, ly - 8, lw, 16, 8, 8);
                gc.setFill(Color.WHITE);
                gc.fillText(label, lx, ly);
                gc.setFont(titleFont);
            }
        });
        g.setTransform(1, 0, 0, 1, 0, 0);
        if (overlay != null && !overlay.locked()) drawLegend(g);
        paintMinimap(s);
        lastPaintNanos = System.nanoTime() - t0;
        if (onScenePainted != null) {
            Runnable r = onScenePainted;
            onScenePainted = null;
            r.run();
        }
    }

    private Runnable onScenePainted;

    /** Runs {@code r} once, on the FX thread, after the next {@link #paint()} that draws a graph (first-paint timing). */
    public void setOnScenePainted(Runnable r) { this.onScenePainted = r; }

    /** One segment per channel: heat colour by importance, red when the plan removes it. */
    private static void channelStrip(GraphicsContext g, GroupOverlay o, double x, double y, double w, double h) {
        double[] imp = o.channelImportance();
        int n = imp.length;
        if (n == 0) return;
        double seg = w / n;
        for (int c = 0; c < n; c++) {
            boolean gone = o.removed() != null && c < o.removed().length && o.removed()[c];
            g.setFill(gone ? REMOVED : heatColor(imp[c]));
            g.fillRect(x + c * seg, gone ? y - 1 : y, Math.max(0.6, seg - (seg > 3 ? 0.6 : 0)), gone ? h + 2 : h);
        }
    }

    private void hatch(GraphicsContext g, double x, double y, double w, double h) {
        g.save();
        g.beginPath();
        g.rect(x, y, w, h);
        g.clip();
        g.setStroke(HATCH);
        g.setLineWidth(1.5);
        for (double d = -h; d < w; d += 8) g.strokeLine(x + d, y + h, x + d + h, y);
        g.restore();
    }

    /** Heat scale for normalized importance: dark blue (low, pruned first) to yellow (high). */
    public static Color heatColor(double v) {
        if (Double.isNaN(v)) return Color.web("#bdbdbd");
        v = Math.max(0, Math.min(1, v));
        Color[] stops = HEAT_STOPS;
        double p = v * (stops.length - 1);
        int i = Math.min(stops.length - 2, (int) p);
        return stops[i].interpolate(stops[i + 1], p - i);
    }

    private void drawLegend(GraphicsContext g) {
        double x = 12, y = 12, w = 160, h = 10;
        g.setFill(Color.web("#ffffff", 0.85));
        g.fillRoundRect(x - 6, y - 6, w + 12, 54, 8, 8);
        Stop[] stops = new Stop[5];
        for (int i = 0; i < 5; i++) stops[i] = new Stop(i / 4.0, heatColor(i / 4.0));
        g.setFill(new LinearGradient(x, 0, x + w, 0, false, CycleMethod.NO_CYCLE, stops));
        g.fillRect(x, y, w, h);
        g.setFill(textColor.getValue());
        g.setFont(LEGEND_FONT);
        g.setTextBaseline(VPos.TOP);
        g.setTextAlign(TextAlignment.LEFT);
        g.fillText("low importance", x, y + h + 3);
        g.setTextAlign(TextAlignment.RIGHT);
        g.fillText("high", x + w, y + h + 3);
        g.setFill(REMOVED);
        g.fillRect(x, y + h + 19, 10, 8);
        g.setFill(textColor.getValue());
        g.setTextAlign(TextAlignment.LEFT);
        g.fillText("channel removed by the plan", x + 14, y + h + 17);
    }

    private double[] minimapOrigin(GraphScene s) {
        double mw = s.width() * minimapScale;
        double mh = s.height() * minimapScale;
        return new double[] {(MINIMAP_W - mw) / 2, (MINIMAP_H - mh) / 2};
    }

    /**
     * The minimap: its picture of the graph is drawn once per scene (and overlay); a pan or zoom only moves the
     * viewport rectangle, a node of its own over the cached minimap.
     */
    private void paintMinimap(GraphScene s) {
        minimapScale = Math.min((MINIMAP_W - 8) / Math.max(1, s.width()), (MINIMAP_H - 8) / Math.max(1, s.height()));
        double[] o = minimapOrigin(s);
        if (!minimapDrawn) {
            GraphicsContext m = minimap.getGraphicsContext2D();
            m.clearRect(0, 0, MINIMAP_W, MINIMAP_H);
            m.setFill(Color.web("#ffffff", 0.92));
            m.fillRect(0, 0, MINIMAP_W, MINIMAP_H);
            GroupOverlay overlay = viewModel.overlayProperty().get();
            for (GraphScene.Box box : s.boxes()) {
                int b = box.index();
                Color c = categoryColors.get(box.category()).getValue();
                if (overlay != null && overlay.heat().containsKey(b)) c = LOCKING;
                m.setFill(c.darker());
                double bw = Math.max(1, box.width() * minimapScale);
                double bh = Math.max(1, box.height() * minimapScale);
                m.fillRect(o[0] + (s.x(b) - box.width() / 2) * minimapScale, o[1] + (s.y(b) - box.height() / 2) * minimapScale, bw, bh);
            }
            m.setStroke(Color.web("#9e9e9e"));
            m.setLineWidth(1);
            m.strokeRect(0.5, 0.5, MINIMAP_W - 1, MINIMAP_H - 1);
            minimapDrawn = true;
        }
        double vx = o[0] + offsetX * minimapScale;
        double vy = o[1] + offsetY * minimapScale;
        double vw = canvas.getWidth() / scale * minimapScale;
        double vh = canvas.getHeight() / scale * minimapScale;
        double x0 = Math.max(0, vx), y0 = Math.max(0, vy);
        double x1 = Math.min(MINIMAP_W, vx + vw), y1 = Math.min(MINIMAP_H, vy + vh);
        minimapViewport.setStroke(selectionColor.getValue());
        minimapViewport.setVisible(x1 > x0 && y1 > y0);
        minimapViewport.setX(minimap.getLayoutX() + x0);
        minimapViewport.setY(minimap.getLayoutY() + y0);
        minimapViewport.setWidth(Math.max(2, x1 - x0));
        minimapViewport.setHeight(Math.max(2, y1 - y0));
    }
}
