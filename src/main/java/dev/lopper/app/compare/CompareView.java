package dev.lopper.app.compare;

import java.util.function.Function;

import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

import dev.lopper.app.compare.CompareViewModel.NodeDelta;
import dev.lopper.app.graph.GraphCanvasView;

/**
 * Original and pruned graphs side by side, their viewports bound (pan or zoom one, the other follows), and
 * below them the table of changed nodes. Draws from {@link CompareViewModel}; holds no logic.
 */
public final class CompareView extends BorderPane {
    private final GraphCanvasView original;
    private final GraphCanvasView pruned;
    private final TableView<NodeDelta> table = new TableView<>();

    public CompareView(CompareViewModel vm) {
        getStyleClass().add("compare-view");
        original = new GraphCanvasView(vm.originalGraph());
        original.setId("compare-original");
        pruned = new GraphCanvasView(vm.prunedGraph());
        pruned.setId("compare-pruned");
        // synchronized pan and zoom: each follows the other (setViewport ignores its own viewport)
        original.viewportProperty().addListener((o, a, v) -> pruned.setViewport(v));
        pruned.viewportProperty().addListener((o, a, v) -> original.setViewport(v));

        Label status = new Label();
        status.setId("compare-status");
        status.textProperty().bind(vm.statusProperty());
        Button profile = new Button("Profile both");
        profile.setId("compare-profile");
        profile.setTooltip(new Tooltip("Time every node of the original and the pruned model in ONNX Runtime's profiler"));
        profile.setOnAction(e -> vm.profile());
        profile.disableProperty().bind(vm.comparisonProperty().isNull());
        profile.setMinWidth(Region.USE_PREF_SIZE);
        status.setMinWidth(0);
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox bar = new HBox(8, status, gap, profile);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.setPadding(new Insets(4, 8, 4, 8));
        bar.getStyleClass().add("toolbar");
        setTop(bar);

        SplitPane graphs = new SplitPane(titled("Original", original),
                titled("Pruned (verified) · pan or zoom either graph: the other follows · tinted: channels changed", pruned));
        graphs.setDividerPositions(0.5);
        table.setId("compare-table");
        table.setItems(vm.rows());
        table.setPlaceholder(new Label("No node changed"));
        table.getColumns().add(column("Node", 260, NodeDelta::node));
        table.getColumns().add(column("Op", 150, NodeDelta::opType));
        table.getColumns().add(column("Channels", 90, NodeDelta::channelsText));
        table.getColumns().add(column("Params", 170, d -> change(d.paramsBefore(), d.paramsAfter())));
        table.getColumns().add(column("MACs", 210, d -> change(d.macsBefore(), d.macsAfter())));
        table.getColumns().add(column("Time (ms)", 190, d -> d.msBefore() == null ? "" : time(d.msBefore(), d.msAfter())));
        table.getSelectionModel().selectedItemProperty().addListener((o, a, d) -> { if (d != null) vm.selectNode(d.node()); });
        SplitPane split = new SplitPane(graphs, table);
        split.setOrientation(Orientation.VERTICAL);
        split.setDividerPositions(0.72);
        setCenter(split);
    }

    private static VBox titled(String title, GraphCanvasView canvas) {
        Label l = new Label(title);
        l.getStyleClass().add("compare-title");
        l.setPadding(new Insets(2, 8, 2, 8));
        VBox.setVgrow(canvas, Priority.ALWAYS);
        VBox box = new VBox(l, canvas);
        box.setMinWidth(150);
        return box;
    }

    private static TableColumn<NodeDelta, String> column(String title, double width, Function<NodeDelta, String> text) {
        TableColumn<NodeDelta, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(f -> new ReadOnlyStringWrapper(text.apply(f.getValue())).getReadOnlyProperty());
        return c;
    }

    static String change(long before, long after) {
        if (before == after) return String.format("%,d", before);
        return before == 0 ? String.format("%,d → %,d", before, after)
                : String.format("%,d → %,d (%+.0f%%)", before, after, 100.0 * (after - before) / before);
    }

    static String time(Double before, Double after) {
        return after == null ? String.format("%.4f → –", before) : String.format("%.4f → %.4f", before, after);
    }

    public GraphCanvasView originalCanvas() { return original; }

    public GraphCanvasView prunedCanvas() { return pruned; }

    public TableView<NodeDelta> table() { return table; }
}
