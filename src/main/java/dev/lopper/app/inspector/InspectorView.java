package dev.lopper.app.inspector;

import java.util.List;

import javafx.geometry.Insets;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;

/** Shows {@link InspectorContent} of the selected node; no logic beyond layout. */
public final class InspectorView extends ScrollPane {
    private final VBox body = new VBox(6);
    private final VBox explain = new VBox(4);

    public InspectorView(InspectorViewModel vm) {
        getStyleClass().add("inspector");
        body.setPadding(new Insets(10));
        body.getStyleClass().add("inspector-body");
        explain.setPadding(new Insets(10, 10, 0, 10));
        explain.getStyleClass().add("group-explanation");
        explain.setId("group-explanation");
        setContent(new VBox(explain, body));
        vm.groupExplanationProperty().addListener((o, a, lines) -> explain(lines));
        explain(List.of());
        setFitToWidth(true);
        setHbarPolicy(ScrollBarPolicy.NEVER);
        vm.contentProperty().addListener((o, a, c) -> show(c));
        show(null);
    }

    private void explain(List<String> lines) {
        explain.getChildren().clear();
        explain.setVisible(!lines.isEmpty());
        explain.setManaged(!lines.isEmpty());
        if (lines.isEmpty()) return;
        explain.getChildren().add(section("Why these channels go together"));
        for (String line : lines) {
            Label l = new Label(line);
            l.setWrapText(true);
            if (line.startsWith("Locked")) l.getStyleClass().add("locked-cell");
            explain.getChildren().add(l);
        }
    }

    private void show(InspectorContent c) {
        body.getChildren().clear();
        if (c == null) {
            Label hint = new Label("Click a node in the graph to see its attributes, tensors and groups.");
            hint.setWrapText(true);
            hint.getStyleClass().add("hint");
            body.getChildren().add(hint);
            return;
        }
        Label heading = new Label(c.heading());
        heading.getStyleClass().add("inspector-heading");
        Label name = new Label(c.name());
        name.getStyleClass().add("inspector-name");
        name.setWrapText(true);
        body.getChildren().addAll(heading, name);
        if (!c.attributes().isEmpty()) {
            body.getChildren().add(section("Attributes"));
            GridPane grid = new GridPane();
            grid.setHgap(8);
            grid.setVgap(2);
            int r = 0;
            for (InspectorContent.Row row : c.attributes()) {
                Label k = new Label(row.key());
                k.getStyleClass().add("key");
                Label v = new Label(row.value());
                v.setWrapText(true);
                grid.addRow(r++, k, v);
            }
            body.getChildren().add(grid);
        }
        if (!c.inputs().isEmpty()) {
            body.getChildren().add(section("Inputs"));
            for (InspectorContent.TensorRow t : c.inputs()) body.getChildren().add(tensor(t));
        }
        if (!c.outputs().isEmpty()) {
            body.getChildren().add(section("Outputs"));
            for (InspectorContent.TensorRow t : c.outputs()) body.getChildren().add(tensor(t));
        }
        if (!c.heading().startsWith("Graph") && !c.heading().equals("Repeated block")) {
            body.getChildren().add(section("Coupled groups"));
            if (c.groups().isEmpty()) {
                Label none = new Label("in no group");
                none.getStyleClass().add("hint");
                body.getChildren().add(none);
            }
            for (String g : c.groups()) {
                Label l = new Label(g);
                l.setWrapText(true);
                body.getChildren().add(l);
            }
            body.getChildren().add(section("Profile"));
            body.getChildren().add(new Label(c.profile()));
        }
    }

    private static Label section(String s) {
        Label l = new Label(s.toUpperCase());
        l.getStyleClass().add("section");
        return l;
    }

    private static VBox tensor(InspectorContent.TensorRow t) {
        VBox box = new VBox(1);
        box.getStyleClass().add("tensor-row");
        Label name = new Label(t.name());
        name.getStyleClass().add("tensor-name");
        name.setWrapText(true);
        Label info = new Label((t.shape().isEmpty() ? "shape ?" : t.shape()) + "  " + t.elementType() + "  · " + t.role());
        info.getStyleClass().add("tensor-info");
        box.getChildren().addAll(name, info);
        TensorStats s = t.stats();
        if (s != null && s.count() > 0) {
            Label st = new Label(String.format("min %.4g  max %.4g  mean %.4g  std %.3g", s.min(), s.max(), s.mean(), s.std()));
            st.getStyleClass().add("tensor-info");
            Canvas hist = histogram(s);
            Tooltip.install(hist, new Tooltip("Histogram of " + s.count() + " values in " + s.bins().length + " bins from "
                    + String.format("%.4g to %.4g", s.min(), s.max())));
            box.getChildren().addAll(st, hist);
        }
        return box;
    }

    private static Canvas histogram(TensorStats s) {
        Canvas c = new Canvas(220, 34);
        GraphicsContext g = c.getGraphicsContext2D();
        long max = 1;
        for (long b : s.bins()) max = Math.max(max, b);
        double w = c.getWidth() / s.bins().length;
        g.setFill(Color.web("#4a78b5"));
        for (int i = 0; i < s.bins().length; i++) {
            double h = (c.getHeight() - 2) * s.bins()[i] / (double) max;
            g.fillRect(i * w + 0.5, c.getHeight() - h, w - 1, h);
        }
        g.setStroke(Color.web("#9e9e9e"));
        g.strokeLine(0, c.getHeight() - 0.5, c.getWidth(), c.getHeight() - 0.5);
        return c;
    }
}
