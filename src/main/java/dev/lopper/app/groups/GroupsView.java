package dev.lopper.app.groups;

import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.MenuItem;
import javafx.scene.control.Slider;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.util.Duration;

import dev.lopper.app.graph.GraphCanvasView;

/** The groups table and the global pruning bar; gestures go to {@link GroupsViewModel}. */
public final class GroupsView extends VBox {
    static final String COUPLED_GROUP_HELP = "A coupled group is a set of channels that must be removed together: "
            + "a residual Add ties the channels of both branches, a Concat ties its inputs' channels to slices "
            + "of its output, a BatchNorm follows the Conv before it. Removing channel c means removing it from "
            + "every member at once, so the model stays valid.";
    static final String LOCKED_HELP = "Locked groups are never pruned: they touch an op Lopper has no rule for "
            + "(it never guesses), a graph output, or a structure it cannot rewrite. Hover the status for the reason.";

    private final GroupsViewModel vm;
    private final TableView<GroupRow> table = new TableView<>();

    public GroupsView(GroupsViewModel vm) {
        this.vm = vm;
        getStyleClass().add("groups-panel");
        setSpacing(6);
        setPadding(new Insets(8));

        Label ratioLabel = new Label("Remove");
        Slider global = new Slider(0, 0.9, vm.globalRatioProperty().get());
        global.setId("global-ratio");
        global.setBlockIncrement(0.05);
        global.setMajorTickUnit(0.1);
        HBox.setHgrow(global, Priority.ALWAYS);
        // an exact ratio can be typed: the slider lands on 9 % when you aim at 10 %
        javafx.scene.control.Spinner<Double> percent = new javafx.scene.control.Spinner<>(0.0, 90.0,
                vm.globalRatioProperty().get() * 100, 1.0);
        percent.setId("global-ratio-percent");
        percent.setEditable(true);
        percent.setPrefWidth(78);
        percent.getValueFactory().setConverter(new javafx.util.StringConverter<>() {
            @Override public String toString(Double d) { return d == null ? "" : trimPercent(d); }

            @Override public Double fromString(String t) {
                String v = t.replace("%", "").replace(',', '.').trim();
                try {
                    return Math.max(0, Math.min(90, Double.parseDouble(v)));
                } catch (NumberFormatException e) {
                    return vm.globalRatioProperty().get() * 100;
                }
            }
        });
        percent.getEditor().setOnAction(e -> percent.increment(0));
        percent.focusedProperty().addListener((o, a, f) -> { if (!f) percent.increment(0); });
        percent.valueProperty().addListener((o, a, b) -> {
            if (b != null && Math.abs(b / 100 - vm.globalRatioProperty().get()) > 1e-9) {
                vm.setGlobalRatio(b / 100);
                vm.undoSeal();
            }
        });
        Tooltip.install(percent, teach("Type an exact share of channels to remove (in %), then press Enter."));
        Label ofChannels = new Label("% of channels");
        vm.globalRatioProperty().addListener((o, a, b) -> {
            if (Math.abs(global.getValue() - b.doubleValue()) > 1e-9) global.setValue(b.doubleValue());
            if (Math.abs(percent.getValue() - b.doubleValue() * 100) > 1e-9) percent.getValueFactory().setValue(b.doubleValue() * 100);
        });
        global.valueProperty().addListener((o, a, b) -> vm.setGlobalRatio(b.doubleValue()));
        global.setOnMouseReleased(e -> vm.undoSeal());
        Tooltip.install(global, teach("Global ratio: the share of channels removed from every prunable group "
                + "that has no ratio of its own."));
        HBox globalBar = new HBox(6, ratioLabel, global, percent, ofChannels);
        globalBar.setAlignment(Pos.CENTER_LEFT);
        globalBar.getStyleClass().add("global-bar");

        TextField filter = new TextField();
        filter.setId("group-filter");
        filter.setPromptText("Filter groups by id, node, tensor or reason");
        filter.textProperty().bindBidirectional(vm.filterProperty());
        HBox.setHgrow(filter, Priority.ALWAYS);
        CheckBox prunableOnly = new CheckBox("prunable only");
        prunableOnly.selectedProperty().bindBidirectional(vm.prunableOnlyProperty());
        HBox filterBar = new HBox(6, filter, prunableOnly);
        filterBar.setAlignment(Pos.CENTER_LEFT);

        Label summary = new Label();
        summary.getStyleClass().add("hint");
        summary.textProperty().bind(vm.summaryProperty());
        summary.setWrapText(true);
        Tooltip.install(summary, teach(COUPLED_GROUP_HELP + "\n\n" + LOCKED_HELP));

        table.setId("groups-table");
        table.setItems(vm.sortedRows());
        vm.sortedRows().comparatorProperty().bind(table.comparatorProperty());
        table.setPlaceholder(new Label("No groups yet"));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        TableColumn<GroupRow, String> idColumn = column("Group", 150, r -> GroupNames.readable(r.id()), COUPLED_GROUP_HELP);
        idColumn.setMinWidth(90);
        idColumn.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(String v, boolean empty) {
                super.updateItem(v, empty);
                // a long name (transformers: "layers.0 attention query · per-head dims") takes a second line, not "…"
                setText(empty ? null : twoLines(v));
                setTextOverrun(javafx.scene.control.OverrunStyle.ELLIPSIS);
                GroupRow r = empty || getTableRow() == null ? null : getTableRow().getItem();
                setTooltip(r == null ? null : teach(r.id() + "\n" + r.channels() + " channels · " + r.group().members().size()
                        + " members: " + String.join(", ", r.group().members().stream().map(m -> m.node()).distinct()
                        .limit(12).toList()) + (r.group().members().size() > 12 ? ", …" : "")));
            }
        });
        table.getColumns().add(idColumn);
        TableColumn<GroupRow, Integer> ch = column("Ch", 40, r -> r.channels(), "Channels in the group (one unit of removal each).");
        ch.setMinWidth(36);
        table.getColumns().add(ch);
        TableColumn<GroupRow, Number> kept = new TableColumn<>("Kept");
        kept.setPrefWidth(44);
        kept.setMinWidth(40);
        kept.setCellValueFactory(d -> d.getValue().keptProperty());
        kept.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(Number v, boolean empty) {
                super.updateItem(v, empty);
                setText(empty || v == null ? null : v.intValue() < 0 ? "—" : v.toString());
            }
        });
        headerTip(kept, "Channels the current plan keeps (after pruning).");
        table.getColumns().add(kept);
        TableColumn<GroupRow, GroupRow> ratio = new TableColumn<>("Ratio");
        ratio.setPrefWidth(118);
        ratio.setMinWidth(110);
        ratio.setSortable(false);
        ratio.setCellValueFactory(d -> new ReadOnlyObjectWrapper<>(d.getValue()));
        ratio.setCellFactory(c -> new RatioCell());
        headerTip(ratio, "Share of this group's channels to remove. Drag to give the group its own ratio "
                + "(overrides the global one); right-click to reset.");
        table.getColumns().add(ratio);
        TableColumn<GroupRow, GroupRow> imp = new TableColumn<>("Importance");
        imp.setPrefWidth(84);
        imp.setMinWidth(80);
        imp.setSortable(false);
        imp.setCellValueFactory(d -> new ReadOnlyObjectWrapper<>(d.getValue()));
        imp.setCellFactory(c -> new SparklineCell());
        headerTip(imp, "Importance of each channel, sorted: the low end is what pruning removes first.");
        table.getColumns().add(imp);
        TableColumn<GroupRow, Number> damage = damageColumn();
        table.getColumns().add(damage);
        // shown once a sensitivity table gives the groups a damage (the other columns keep their room until then)
        javafx.beans.InvalidationListener showDamage = o -> damage.setVisible(
                vm.rows().stream().anyMatch(r -> !Double.isNaN(r.damageProperty().get())));
        damage.setVisible(false);
        vm.rows().addListener((javafx.collections.ListChangeListener<GroupRow>) c -> {
            while (c.next()) for (GroupRow r : c.getAddedSubList()) r.damageProperty().addListener(showDamage);
            showDamage.invalidated(null);
        });
        for (GroupRow r : vm.rows()) r.damageProperty().addListener(showDamage);
        table.getColumns().add(percentColumn("Params", r -> r.paramsShare(), "Share of the model's parameters this group holds."));
        table.getColumns().add(percentColumn("MACs", r -> r.macsShare(), "Share of the groups' multiply-accumulates."));
        TableColumn<GroupRow, String> status = column("Status", 76, GroupRow::status, LOCKED_HELP);
        status.setMinWidth(60);
        status.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(String v, boolean empty) {
                super.updateItem(v, empty);
                getStyleClass().removeAll("locked-cell");
                if (empty || v == null) {
                    setText(null);
                    setTooltip(null);
                    return;
                }
                GroupRow r = getTableRow() == null ? null : getTableRow().getItem();
                setText(v);
                if (r != null && !r.isPrunable()) {
                    getStyleClass().add("locked-cell");
                    setTooltip(teach("Locked: " + r.reason() + "\n\n" + LOCKED_HELP));
                } else {
                    setTooltip(null);
                }
            }
        });
        table.getColumns().add(status);
        table.setRowFactory(t -> {
            TableRow<GroupRow> row = new TableRow<>() {
                @Override
                protected void updateItem(GroupRow r, boolean empty) {
                    super.updateItem(r, empty);
                    pseudoClassStateChanged(javafx.css.PseudoClass.getPseudoClass("locked"), !empty && r != null && !r.isPrunable());
                }
            };
            return row;
        });
        table.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> vm.select(b));
        vm.selectedProperty().addListener((o, a, b) -> {
            if (b != table.getSelectionModel().getSelectedItem()) table.getSelectionModel().select(b);
        });
        VBox.setVgrow(table, Priority.ALWAYS);
        getChildren().addAll(globalBar, filterBar, summary, table);
    }

    /** The heat column: damage when only this group is pruned at the Sensitivity tab's reference ratio. */
    private static TableColumn<GroupRow, Number> damageColumn() {
        TableColumn<GroupRow, Number> c = new TableColumn<>("Damage");
        c.setId("damage-column");
        c.setPrefWidth(62);
        c.setMinWidth(56);
        c.setCellValueFactory(d -> d.getValue().damageProperty());
        c.setCellFactory(col -> new TableCell<>() {
            @Override
            protected void updateItem(Number v, boolean empty) {
                super.updateItem(v, empty);
                GroupRow r = empty || getTableRow() == null ? null : getTableRow().getItem();
                if (r == null || v == null || Double.isNaN(v.doubleValue())) {
                    setText(empty ? null : "");
                    setStyle("");
                    return;
                }
                double h = Math.max(0, Math.min(1, r.heatProperty().get()));
                setText(String.format("%.3g", v.doubleValue()));
                // white (harmless) to red (the most sensitive group)
                setStyle(String.format(java.util.Locale.ROOT, "-fx-background-color: rgb(255,%d,%d); -fx-text-fill: %s;",
                        (int) Math.round(255 - 175 * h), (int) Math.round(255 - 200 * h), h > 0.75 ? "white" : "black"));
            }
        });
        headerTip(c, "Sensitivity (Sensitivity tab): the damage when only this group is pruned at the reference ratio — "
                + "accuracy drop with labelled data, else relative L2 error of the outputs. Red = most sensitive.");
        return c;
    }

    /** A group name too long for the column is broken into lines of at most 21 characters, at spaces (no "…"). */
    static String twoLines(String name) {
        if (name == null || name.length() <= 21) return name;
        StringBuilder out = new StringBuilder();
        int line = 0;
        for (String word : name.split(" ")) {
            if (line > 0 && line + 1 + word.length() > 21) {
                out.append('\n');
                line = 0;
            } else if (line > 0) {
                out.append(' ');
                line++;
            }
            out.append(word);
            line += word.length();
        }
        return out.toString();
    }

    static Tooltip teach(String text) {
        Tooltip t = new Tooltip(text);
        t.setWrapText(true);
        t.setMaxWidth(380);
        t.setShowDelay(Duration.millis(300));
        t.setShowDuration(Duration.seconds(30));
        return t;
    }

    private static void headerTip(TableColumn<?, ?> c, String text) {
        Label l = new Label(c.getText());
        l.setTooltip(teach(text));
        c.setGraphic(l);
        c.setText("");
    }

    private static <T> TableColumn<GroupRow, T> column(String title, double width,
                                                       java.util.function.Function<GroupRow, T> f, String tip) {
        TableColumn<GroupRow, T> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(d -> new ReadOnlyObjectWrapper<>(f.apply(d.getValue())));
        headerTip(c, tip);
        return c;
    }

    private static TableColumn<GroupRow, Double> percentColumn(String title, java.util.function.ToDoubleFunction<GroupRow> f,
                                                              String tip) {
        TableColumn<GroupRow, Double> c = new TableColumn<>(title);
        c.setPrefWidth(56);
        c.setMinWidth(52);
        c.setCellValueFactory(d -> new ReadOnlyObjectWrapper<>(f.applyAsDouble(d.getValue())));
        c.setCellFactory(col -> new TableCell<>() {
            @Override
            protected void updateItem(Double v, boolean empty) {
                super.updateItem(v, empty);
                setText(empty || v == null ? null : String.format("%.1f%%", v * 100));
            }
        });
        headerTip(c, tip);
        return c;
    }

    /** A slider per row: drag to override, right-click to go back to the global ratio. */
    private final class RatioCell extends TableCell<GroupRow, GroupRow> {
        private final Slider slider = new Slider(0, 0.9, 0);
        private final Label value = new Label();
        private final HBox box = new HBox(4, slider, value);
        private boolean updating;
        private final javafx.beans.InvalidationListener listener = o -> refresh(null);
        private GroupRow bound;

        RatioCell() {
            slider.setPrefWidth(70);
            value.setMinWidth(32);
            box.setAlignment(Pos.CENTER_LEFT);
            slider.valueProperty().addListener((o, a, b) -> {
                GroupRow r = getItem();
                if (!updating && r != null && r.isPrunable()) vm.setOverride(r, b.doubleValue());
            });
            slider.setOnMouseReleased(e -> vm.undoSeal());
            // a right-click opens the menu only: it must not move the thumb (nor add an undo step)
            javafx.event.EventHandler<javafx.scene.input.MouseEvent> primaryOnly = e -> {
                if (e.getButton() != javafx.scene.input.MouseButton.PRIMARY) e.consume();
            };
            slider.addEventFilter(javafx.scene.input.MouseEvent.MOUSE_PRESSED, primaryOnly);
            slider.addEventFilter(javafx.scene.input.MouseEvent.MOUSE_DRAGGED, primaryOnly);
            slider.addEventFilter(javafx.scene.input.MouseEvent.MOUSE_RELEASED, primaryOnly);
            MenuItem reset = new MenuItem("Use the global ratio");
            reset.setOnAction(e -> { if (getItem() != null) vm.clearOverride(getItem()); });
            setContextMenu(new ContextMenu(reset));
        }

        @Override
        protected void updateItem(GroupRow r, boolean empty) {
            super.updateItem(r, empty);
            if (bound != null) bound.effectiveRatioProperty().removeListener(listener);
            bound = null;
            if (empty || r == null) {
                setGraphic(null);
                return;
            }
            bound = r;
            r.effectiveRatioProperty().addListener(listener);
            refresh(null);
            setGraphic(box);
        }

        private void refresh(javafx.beans.Observable o) {
            GroupRow r = getItem();
            if (r == null) return;
            updating = true;
            slider.setValue(r.effectiveRatio());
            updating = false;
            slider.setDisable(!r.isPrunable());
            value.setText(r.isPrunable() ? String.format("%.0f%%", r.effectiveRatio() * 100) : "—");
            slider.getStyleClass().removeAll("own-ratio");
            if (r.hasOverride()) slider.getStyleClass().add("own-ratio");
        }
    }

    /** Sorted channel importance as a tiny bar chart. */
    private static final class SparklineCell extends TableCell<GroupRow, GroupRow> {
        private final Canvas canvas = new Canvas(76, 18);
        private final javafx.beans.InvalidationListener listener = o -> draw(getItem());
        private GroupRow bound;

        @Override
        protected void updateItem(GroupRow r, boolean empty) {
            super.updateItem(r, empty);
            if (bound != null) {
                bound.importanceProperty().removeListener(listener);
                bound.keptChannelsProperty().removeListener(listener);
            }
            bound = empty ? null : r;
            if (bound != null) {
                bound.importanceProperty().addListener(listener);
                bound.keptChannelsProperty().addListener(listener);
            }
            draw(bound);
        }

        private void draw(GroupRow r) {
            if (r == null) {
                setGraphic(null);
                setText(null);
                return;
            }
            double[] s = r.importanceProperty().get();
            if (s == null || s.length == 0) {
                setGraphic(null);
                setText("—");
                return;
            }
            setText(null);
            Integer[] order = sortedOrder(s);
            double[] sorted = new double[s.length];
            for (int i = 0; i < s.length; i++) sorted[i] = s[order[i]];
            boolean[] red = removedInSortedOrder(r);
            double max = sorted[sorted.length - 1];
            GraphicsContext g = canvas.getGraphicsContext2D();
            g.clearRect(0, 0, canvas.getWidth(), canvas.getHeight());
            int bars = Math.min(sorted.length, 38);
            double w = canvas.getWidth() / bars;
            for (int i = 0; i < bars; i++) {
                int k = (int) ((long) i * sorted.length / bars);
                double h = max <= 0 ? 0 : (canvas.getHeight() - 1) * sorted[k] / max;
                g.setFill(red[k] ? Color.web("#c62828") : GraphCanvasView.heatColor(max <= 0 ? 0 : sorted[k] / max));
                g.fillRect(i * w, canvas.getHeight() - h, Math.max(1, w - 0.5), h);
            }
            setGraphic(canvas);
        }
    }

    static String trimPercent(double d) {
        return Math.abs(d - Math.rint(d)) < 1e-9 ? String.format("%.0f", d) : String.format(java.util.Locale.ROOT, "%.1f", d);
    }

    /** Channel indices by ascending importance (NaN last), as the strip draws them. */
    static Integer[] sortedOrder(double[] s) {
        Integer[] order = new Integer[s.length];
        for (int i = 0; i < s.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(Double.isNaN(s[a]) ? Double.MAX_VALUE : s[a],
                Double.isNaN(s[b]) ? Double.MAX_VALUE : s[b]));
        return order;
    }

    /**
     * Which bars of the importance strip are red: the channels the current plan removes (after round-to and
     * per-group ratios, the same plan the graph shows), in the strip's sorted order; none before a plan exists.
     */
    public static boolean[] removedInSortedOrder(GroupRow r) {
        double[] s = r.importanceProperty().get();
        int[] kept = r.keptChannelsProperty().get();
        boolean[] red = new boolean[s == null ? 0 : s.length];
        if (s == null || kept == null) return red;
        boolean[] keep = new boolean[s.length];
        for (int k : kept) if (k >= 0 && k < keep.length) keep[k] = true;
        Integer[] order = sortedOrder(s);
        for (int i = 0; i < s.length; i++) red[i] = !keep[order[i]];
        return red;
    }
}
