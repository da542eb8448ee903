package dev.lopper.app.prune;

import java.io.File;
import java.util.List;

import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.chart.BarChart;
import javafx.scene.chart.CategoryAxis;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.util.StringConverter;

import dev.lopper.app.AppLauncher;
import dev.lopper.app.ModelServices.PlanOutcome;
import dev.lopper.importance.Criterion;
import dev.lopper.prune.Allocation;
import dev.lopper.prune.PruneTarget;

/** Pruning settings bar, latency and cost charts, plan save/load; gestures go to {@link PruneViewModel}. */
public final class PruneView extends VBox {
    private final PruneViewModel vm;
    private final LineChart<Number, Number> latencyChart;
    private final BarChart<String, Number> costChart;
    private final XYChart.Series<Number, Number> original = new XYChart.Series<>();
    private final XYChart.Series<Number, Number> pruned = new XYChart.Series<>();
    private final XYChart.Series<String, Number> costBefore = new XYChart.Series<>();
    private final XYChart.Series<String, Number> costAfter = new XYChart.Series<>();
    private final java.util.function.Consumer<String> errors;
    /** Random inputs: integer range and input shapes (shown in the settings bar). */
    private javafx.scene.control.TextField ints;
    private javafx.scene.control.TextField shapes;

    public PruneView(PruneViewModel vm, java.util.function.Consumer<String> errors) {
        this.vm = vm;
        this.errors = errors;
        getStyleClass().add("chart-panel");
        setPadding(new Insets(4, 8, 4, 8));
        setSpacing(2);

        NumberAxis runAxis = new NumberAxis(1, 10, 1);
        runAxis.setLabel("run");
        runAxis.setAutoRanging(false);
        runAxis.setMinorTickVisible(false);
        runAxis.setTickLabelFormatter(numbers(0));
        NumberAxis msAxis = new NumberAxis();
        msAxis.setLabel("ms");
        latencyChart = new RunChart(runAxis, msAxis);
        latencyChart.setId("latency-chart");
        latencyChart.setTitle(LATENCY_TITLE);
        latencyChart.setAnimated(false);
        latencyChart.setCreateSymbols(false);
        latencyChart.setLegendVisible(true);
        latencyChart.setLegendSide(javafx.geometry.Side.RIGHT);
        original.setName("original");
        pruned.setName("pruned");
        latencyChart.getData().addAll(List.of(original, pruned));
        bindSeries(vm.originalLatency(), original);
        bindSeries(vm.prunedLatency(), pruned);
        // a shared machine produces the odd 100 ms outlier; clip the axis at 1.6 × p90 so the runs stay readable
        msAxis.setAutoRanging(false);
        msAxis.setLowerBound(0);
        msAxis.setUpperBound(1);
        msAxis.setMinorTickVisible(false);
        msAxis.setTickLabelFormatter(numbers(1));
        javafx.beans.InvalidationListener rescale = o -> {
            java.util.List<Double> all = new java.util.ArrayList<>(vm.originalLatency());
            all.addAll(vm.prunedLatency());
            int runs = Math.max(vm.originalLatency().size(), vm.prunedLatency().size());
            runAxis.setUpperBound(Math.max(10, runs));
            runAxis.setTickUnit(Math.max(1, niceTick(Math.max(10, runs) / 10.0)));
            if (all.isEmpty()) {
                // no runs (another model, a new plan): the scale of the previous runs goes too
                msAxis.setUpperBound(1);
                msAxis.setTickUnit(0.2);
                msAxis.setTickLabelFormatter(numbers(1));
                latencyChart.setTitle(LATENCY_TITLE);
                return;
            }
            java.util.Collections.sort(all);
            double p90 = all.get((int) Math.floor(0.9 * (all.size() - 1)));
            double top = Math.max(p90 * 1.6, 1e-3);
            msAxis.setUpperBound(top);
            double tick = niceTick(top / 5);
            msAxis.setTickUnit(tick);
            msAxis.setTickLabelFormatter(numbers(Math.max(0, (int) -Math.floor(Math.log10(tick)))));
            latencyChart.setTitle(all.get(all.size() - 1) > top ? LATENCY_TITLE + " · outliers above the top clipped" : LATENCY_TITLE);
        };
        vm.originalLatency().addListener(rescale);
        vm.prunedLatency().addListener(rescale);

        CategoryAxis what = new CategoryAxis();
        NumberAxis pct = new NumberAxis(0, 100, 20);
        pct.setLabel("% of original");
        costChart = new BarChart<>(what, pct);
        costChart.setId("cost-chart");
        costChart.setTitle("Model cost");
        costChart.setAnimated(false);
        costBefore.setName("original");
        costAfter.setName("pruned");
        costChart.getData().addAll(List.of(costBefore, costAfter));
        costChart.setCategoryGap(18);
        costChart.setLegendVisible(true);
        costChart.setLegendSide(javafx.geometry.Side.RIGHT);
        vm.outcomeProperty().addListener((o, a, r) -> showCost(r));

        latencyChart.setPrefHeight(210);
        costChart.setPrefHeight(210);
        costChart.setPrefWidth(400);
        costChart.setMinWidth(260);
        HBox.setHgrow(latencyChart, Priority.ALWAYS);
        HBox charts = new HBox(4, latencyChart, costChart);

        Label status = new Label();
        status.setId("plan-status");
        // a long status (an error naming a file) is cut with an ellipsis and shown whole in its tooltip; the buttons keep their size
        status.setMinWidth(0);
        status.textProperty().bind(vm.planStatusProperty());
        Tooltip statusTip = new Tooltip();
        statusTip.setWrapText(true);
        statusTip.setMaxWidth(640);
        statusTip.textProperty().bind(vm.planStatusProperty());
        status.setTooltip(statusTip);
        Label latencyStatus = new Label();
        latencyStatus.getStyleClass().add("hint");
        latencyStatus.textProperty().bind(vm.latencyStatusProperty());
        Button measure = new Button("Evaluate");
        measure.setId("evaluate");
        measure.setTooltip(new Tooltip("Time original and pruned alternately in ONNX Runtime (points stream in as runs "
                + "finish), then measure accuracy on the model's data set when it has one."));
        measure.setOnAction(e -> vm.evaluate(vm.evaluateRunsProperty().get()));
        Button prune = new Button("Prune");
        prune.setId("prune");
        prune.setTooltip(new Tooltip("Rewrite the model for the plan and verify it in ONNX Runtime "
                + "(done automatically after every change while 'live' is on)."));
        prune.disableProperty().bind(vm.outcomeProperty().isNull());
        prune.setOnAction(e -> vm.pruneNow());
        javafx.scene.control.CheckBox live = new javafx.scene.control.CheckBox("live");
        live.selectedProperty().bindBidirectional(vm.livePruneProperty());
        live.setTooltip(new Tooltip("Prune and verify again after every settings change"));
        Button export = new Button("Export pruned ONNX…");
        export.setId("export");
        export.disableProperty().bind(javafx.beans.binding.Bindings.createBooleanBinding(
                () -> vm.prunedProperty().get() == null || vm.prunedProperty().get().model() == null, vm.prunedProperty()));
        export.setTooltip(new Tooltip("Write the verified pruned model (atomically; never over the opened file)"));
        export.setOnAction(e -> exportModel());
        Label pruneStatus = new Label();
        pruneStatus.setId("prune-status");
        pruneStatus.textProperty().bind(vm.pruneStatusProperty());
        pruneStatus.setWrapText(false);
        Button save = new Button("Save plan…");
        save.setTooltip(new Tooltip("Write the plan as JSON; `lopper prune --plan FILE` reads the same file."));
        save.disableProperty().bind(vm.outcomeProperty().isNull());
        save.setOnAction(e -> savePlan());
        Button load = new Button("Load plan…");
        load.setOnAction(e -> loadPlan());
        Button png = new Button("Export charts…");
        png.setTooltip(new Tooltip("Save the charts as a PNG image"));
        png.setOnAction(e -> exportCharts(charts));
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        Button profile = new Button("Profile");
        profile.setId("profile");
        profile.setTooltip(new Tooltip("Time every node of the original model with ONNX Runtime's profiler; "
                + "the inspector shows the selected node's time."));
        profile.setOnAction(e -> vm.profile());
        ints = new javafx.scene.control.TextField("auto");
        ints.setId("int-range");
        ints.setPrefColumnCount(6);
        ints.setTooltip(new Tooltip("Range LO,HI of random integer inputs (token ids, indices) used to verify, time and "
                + "profile. 'auto' (the default, as the CLI): an input that indexes a table of the model (an embedding) "
                + "takes that table's size, e.g. 0..63 for a vocabulary of 64; others 0..99. Press Enter to apply."));
        ints.setOnAction(e -> {
            try {
                String t = ints.getText().trim();
                vm.setInputs(vm.inputsProperty().get().withInts(t.isEmpty() || t.equalsIgnoreCase("auto") ? null
                        : dev.lopper.runtime.IntRange.parse(t)));
            } catch (RuntimeException ex) {
                errors.accept("int inputs '" + ints.getText() + "': " + dev.lopper.app.MainViewModel.oneLine(ex));
            }
        });
        shapes = new javafx.scene.control.TextField();
        shapes.setId("input-shapes");
        shapes.setPrefColumnCount(12);
        shapes.setPromptText("e.g. input_ids=1,17");
        shapes.setTooltip(new Tooltip("Shapes of inputs with symbolic dims, as the CLI's --input-shape: NAME=D1,D2,... "
                + "separated by ';'. Blank: batch 1, sequences 16, images 224. Press Enter to apply."));
        shapes.setOnAction(e -> {
            try {
                vm.setInputs(vm.inputsProperty().get().withShapes(dev.lopper.app.RunInputs.parseShapes(shapes.getText())));
            } catch (RuntimeException ex) {
                errors.accept("input shape '" + shapes.getText() + "': " + dev.lopper.app.MainViewModel.oneLine(ex));
            }
        });
        vm.inputsProperty().addListener((o, x, in) -> {
            ints.setText(in.ints() == null ? "auto" : in.ints().lo() + "," + in.ints().hi());
            shapes.setText(dev.lopper.app.RunInputs.formatShapes(in.shapes()));
        });
        Label notice = new Label();
        notice.setId("notice");
        notice.getStyleClass().add("notice");
        notice.textProperty().bind(vm.noticeProperty());
        HBox actions = new HBox(6, status, spacer, prune, live, measure, profile, export, save, load, png);
        for (Node n : List.of(prune, live, measure, profile, export, save, load, png)) ((Region) n).setMinWidth(Region.USE_PREF_SIZE);
        actions.setAlignment(Pos.CENTER_LEFT);
        Region spacer2 = new Region();
        HBox.setHgrow(spacer2, Priority.ALWAYS);
        HBox results = new HBox(6, pruneStatus, notice, spacer2, latencyStatus);
        results.setAlignment(Pos.CENTER_LEFT);
        getChildren().addAll(actions, results, charts);
        vm.accuracyProperty().addListener((o, a, b) -> showCost(vm.outcomeProperty().get()));
    }

    /**
     * A line chart that erases the line of a series left without points. JavaFX 21's LineChart (AreaChart.makePaths)
     * returns before clearing the line's path when a series has no points, so clearing the runs (another model
     * opened, the plan changed) left the previous runs drawn with their old x scale under the reset run axis.
     */
    static final class RunChart extends LineChart<Number, Number> {
        RunChart(NumberAxis x, NumberAxis y) { super(x, y); }

        @Override protected void layoutPlotChildren() {
            super.layoutPlotChildren();
            for (XYChart.Series<Number, Number> s : getData()) {
                if (s.getData().isEmpty() && s.getNode() instanceof javafx.scene.shape.Path line) line.getElements().clear();
            }
        }
    }

    static final String LATENCY_TITLE = "Latency per run (ONNX Runtime, CPU)";

    /** Tick labels with a fixed number of decimals and no grouping ("1530.6", not "1,530.638"). */
    static StringConverter<Number> numbers(int decimals) {
        return new StringConverter<>() {
            @Override public String toString(Number n) {
                return n == null ? "" : String.format(java.util.Locale.ROOT, "%." + decimals + "f", n.doubleValue());
            }

            @Override public Number fromString(String s) { return Double.parseDouble(s); }
        };
    }

    static double niceTick(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / p;
        return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
    }

    private static void bindSeries(javafx.collections.ObservableList<Double> values, XYChart.Series<Number, Number> s) {
        values.addListener((ListChangeListener<Double>) c -> {
            while (c.next()) {
                if (c.wasRemoved() && values.size() < s.getData().size()) s.getData().clear();
                for (int i = s.getData().size(); i < values.size(); i++) {
                    s.getData().add(new XYChart.Data<>(i + 1, values.get(i)));
                }
            }
        });
    }

    private void showCost(PlanOutcome r) {
        costBefore.getData().clear();
        costAfter.getData().clear();
        if (r == null) return;
        costBefore.getData().add(new XYChart.Data<>("params", 100));
        costBefore.getData().add(new XYChart.Data<>("MACs", 100));
        costAfter.getData().add(new XYChart.Data<>("params", 100 * r.after().paramsFraction(r.before())));
        costAfter.getData().add(new XYChart.Data<>("MACs", 100 * r.after().macsFraction(r.before())));
        var acc = vm.accuracyProperty().get();
        if (acc != null) {
            costBefore.getData().add(new XYChart.Data<>("accuracy", 100 * acc.original()));
            costAfter.getData().add(new XYChart.Data<>("accuracy", 100 * acc.pruned()));
        }
        Tooltip.install(costChart, new Tooltip(r.costNote()));
    }

    /** The settings row that sits under the global ratio in the groups panel. */
    public Node settingsBar() {
        ChoiceBox<Criterion> criterion = new ChoiceBox<>();
        criterion.setId("criterion");
        criterion.setPrefWidth(136); // as wide as "mean-activation", so choosing another criterion does not reflow the bar
        criterion.getItems().setAll(vm.criteria());
        vm.calibrationProperty().addListener((o, a, b) -> {
            criterion.getItems().setAll(vm.criteria());
            criterion.setValue(vm.criterionProperty().get());
        });
        criterion.setValue(vm.criterionProperty().get());
        criterion.valueProperty().addListener((o, a, b) -> { if (b != null) vm.setCriterion(b); });
        vm.criterionProperty().addListener((o, a, b) -> criterion.setValue(b));
        criterion.setTooltip(new Tooltip("How channel importance is scored: l1/l2 weight magnitude, bn-scale (|γ| of the "
                + "BatchNorm), fpgm (distance to the geometric median), lamp, random (a baseline), obspa (the error "
                + "a structured Optimal Brain Surgeon update leaves, from moments propagated without data)."));
        CheckBox compensate = new CheckBox("Compensate (OBS)");
        compensate.setId("compensate");
        compensate.setSelected(vm.compensateProperty().get());
        compensate.selectedProperty().addListener((o, a, b) -> vm.setCompensate(b));
        vm.compensateProperty().addListener((o, a, b) -> compensate.setSelected(b));
        compensate.setTooltip(new Tooltip("OBS compensation (Optimal Brain Surgeon, as in OBSPA): before channels are "
                + "removed, the layers that read them get a least-squares update that moves the removed channels' "
                + "contribution into the surviving weights and biases, so the output changes less. It needs no data: "
                + "each layer's input statistics are propagated through the graph from the BatchNorm/LayerNorm "
                + "parameters and the weights. On by default with obspa; "
                + "works with any criterion."));
        ChoiceBox<Allocation> allocation = new ChoiceBox<>();
        allocation.setId("allocation");
        allocation.setPrefWidth(104); // as wide as "calibrated"
        allocation.getItems().setAll(vm.allocations());
        vm.calibrationProperty().addListener((o, a, b) -> {
            allocation.getItems().setAll(vm.allocations());
            allocation.setValue(vm.allocationProperty().get());
        });
        allocation.setValue(vm.allocationProperty().get());
        allocation.setConverter(lower(Allocation::id, Allocation::parse));
        allocation.valueProperty().addListener((o, a, b) -> { if (b != null) vm.setAllocation(b); });
        vm.allocationProperty().addListener((o, a, b) -> allocation.setValue(b));
        allocation.setTooltip(new Tooltip("uniform: every group loses the same share. global: channels of all groups "
                + "are ranked together, so groups with many unimportant channels lose more. calibrated (with calibration "
                + "data): groups give up channels a quarter at a time, each step taking the one whose removal damages the "
                + "outputs least, measured on held-out calibration samples with every candidate compensated as the "
                + "export will be (lopper prune --allocation calibrated; takes minutes, cancel with the button below)."));
        ChoiceBox<PruneTarget.Kind> target = new ChoiceBox<>();
        target.getItems().setAll(PruneTarget.Kind.values());
        target.setValue(vm.targetKindProperty().get());
        target.setConverter(lower(k -> switch (k) {
            case RATIO -> "of channels";
            case MACS -> "of MACs";
            case PARAMS -> "of params";
        }, s -> PruneTarget.Kind.RATIO));
        target.valueProperty().addListener((o, a, b) -> { if (b != null) vm.setTargetKind(b); });
        vm.targetKindProperty().addListener((o, a, b) -> target.setValue(b));
        target.setTooltip(new Tooltip("What the Remove slider means: a share of every group's channels, or a share of "
                + "the model's MACs or parameters to remove (the ratio is then found by search)."));
        // 0 is "auto" (dev.lopper.prune.PruningSettings.ROUND_TO_AUTO, as --round-to auto): counts measured fast on this machine
        Spinner<Integer> roundTo = new Spinner<>(dev.lopper.prune.PruningSettings.ROUND_TO_AUTO, 128, vm.roundToProperty().get());
        roundTo.setId("roundTo");
        roundTo.setPrefWidth(80);
        roundTo.setEditable(true);
        roundTo.getValueFactory().setConverter(new javafx.util.StringConverter<>() {
            @Override public String toString(Integer n) { return n == null ? "" : dev.lopper.prune.PruningSettings.describeRoundTo(n); }

            @Override public Integer fromString(String t) {
                try {
                    return dev.lopper.prune.PruningSettings.parseRoundTo(t);
                } catch (IllegalArgumentException e) {
                    return vm.roundToProperty().get();
                }
            }
        });
        roundTo.valueProperty().addListener((o, a, b) -> { if (b != null) vm.setRoundTo(b); });
        vm.roundToProperty().addListener((o, a, b) -> roundTo.getValueFactory().setValue(b.intValue()));
        roundTo.setTooltip(new Tooltip("Kept channel counts are rounded up to a multiple of this: unaligned counts can "
                + "make ONNX Runtime slower, not faster. auto (below 1): counts measured fast on this machine "
                + "(as lopper prune --round-to auto; the first plan measures a latency table, cached per machine)."));
        CheckBox allowSlower = new CheckBox("Allow slower");
        allowSlower.setId("allowSlower");
        allowSlower.selectedProperty().bindBidirectional(vm.allowSlowerProperty());
        allowSlower.setTooltip(new Tooltip("Export even when the pruned model runs slower than the original (as lopper prune "
                + "--allow-slower). Off: Export times it and, when slower, re-plans with round-to 8, 16, auto and writes the first "
                + "that is not slower, or refuses."));
        FlowPane bar = new FlowPane(10, 4, pair("Criterion", criterion), pair("Target", target),
                pair("Allocation", allocation), pair("Round to", roundTo), allowSlower, compensate,
                pair("Int inputs", ints), pair("Input shape", shapes), calibrationButton());
        bar.setAlignment(Pos.CENTER_LEFT);
        return bar;
    }

    /**
     * Calibration data, as the CLI's --calibration (CSV, .npy, .npz, an image folder): the activation criteria become
     * available, OBSPA and compensation use it.
     */
    private Node calibrationButton() {
        javafx.scene.control.MenuButton b = new javafx.scene.control.MenuButton();
        b.setId("calibration");
        b.setMnemonicParsing(false); // the label shows a file name: "text_cal.npz" keeps its underscore
        javafx.scene.control.MenuItem file = new javafx.scene.control.MenuItem("Data file (CSV, .npy, .npz)…");
        file.setOnAction(e -> {
            FileChooser fc = new FileChooser();
            fc.setTitle("Calibration data (CSV, .npy, .npz)");
            fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("Data (CSV, .npy, .npz)", "*.csv", "*.npy", "*.npz"),
                    new FileChooser.ExtensionFilter("All files", "*.*"));
            var w = getScene() == null ? null : getScene().getWindow();
            File f = dev.lopper.app.WindowKeeper.keep(w, () -> fc.showOpenDialog(w));
            if (f != null) vm.setCalibration(f.toPath());
        });
        javafx.scene.control.MenuItem folder = new javafx.scene.control.MenuItem("Image folder…");
        folder.setOnAction(e -> {
            javafx.stage.DirectoryChooser dc = new javafx.stage.DirectoryChooser();
            dc.setTitle("Calibration images (one subfolder per class, or images)");
            var w = getScene() == null ? null : getScene().getWindow();
            File f = dev.lopper.app.WindowKeeper.keep(w, () -> dc.showDialog(w));
            if (f != null) vm.setCalibration(f.toPath());
        });
        javafx.scene.control.MenuItem none = new javafx.scene.control.MenuItem("None (data-free)");
        none.setOnAction(e -> vm.setCalibration(null));
        b.getItems().addAll(file, folder, none);
        Runnable label = () -> b.setText(vm.calibrationProperty().get() == null ? "Calibration: none"
                : "Calibration: " + vm.calibrationProperty().get().getFileName());
        label.run();
        vm.calibrationProperty().addListener((o, a, c) -> label.run());
        b.setTooltip(new Tooltip("Data to measure activations on, as lopper prune --calibration (CSV, .npy, .npz or an "
                + "image folder, read with the input shape above): enables mean-activation, apoz, wanda and stade, and "
                + "OBSPA and compensation use it instead of data-free moments."));
        return b;
    }

    private static HBox pair(String label, Node control) {
        HBox h = new HBox(4, new Label(label), control);
        h.setAlignment(Pos.CENTER_LEFT);
        return h;
    }

    private static <T> StringConverter<T> lower(java.util.function.Function<T, String> f,
                                                java.util.function.Function<String, T> back) {
        return new StringConverter<>() {
            @Override public String toString(T t) { return t == null ? "" : f.apply(t); }
            @Override public T fromString(String s) { return back.apply(s); }
        };
    }

    public void exportModel() {
        if (vm.prunedProperty().get() == null || vm.prunedProperty().get().model() == null) {
            errors.accept("there is no verified pruned model to export yet");
            return;
        }
        FileChooser fc = new FileChooser();
        fc.setTitle("Export pruned ONNX model");
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("ONNX model", "*.onnx"));
        fc.setInitialFileName("pruned.onnx");
        File f = dev.lopper.app.WindowKeeper.keep(getScene().getWindow(), () -> fc.showSaveDialog(getScene().getWindow()));
        if (f == null) return;
        vm.export(f.toPath(), msg -> { }, ex -> errors.accept(dev.lopper.app.MainViewModel.oneLine(ex)));
    }

    public void savePlan() {
        if (vm.outcomeProperty().get() == null) {
            errors.accept("there is no plan to save yet");
            return;
        }
        FileChooser fc = new FileChooser();
        fc.setTitle("Save pruning plan");
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("Lopper plan (JSON)", "*.json"));
        fc.setInitialFileName("plan.json");
        File f = dev.lopper.app.WindowKeeper.keep(getScene().getWindow(), () -> fc.showSaveDialog(getScene().getWindow()));
        if (f == null) return;
        try {
            vm.savePlan(f.toPath());
        } catch (Exception ex) {
            errors.accept("cannot write " + f + ": " + dev.lopper.app.MainViewModel.oneLine(ex));
        }
    }

    public void loadPlan() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Load pruning plan");
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("Lopper plan (JSON)", "*.json"));
        File f = dev.lopper.app.WindowKeeper.keep(getScene().getWindow(), () -> fc.showOpenDialog(getScene().getWindow()));
        if (f == null) return;
        vm.loadPlan(f.toPath(), ex -> errors.accept(dev.lopper.app.MainViewModel.oneLine(ex)));
    }

    private void exportCharts(Node charts) {
        FileChooser fc = new FileChooser();
        fc.setTitle("Export charts");
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("PNG image", "*.png"));
        fc.setInitialFileName("lopper-charts.png");
        File f = dev.lopper.app.WindowKeeper.keep(getScene().getWindow(), () -> fc.showSaveDialog(getScene().getWindow()));
        if (f == null) return;
        try {
            AppLauncher.writePng(charts.snapshot(null, null), f.toPath());
        } catch (Exception ex) {
            errors.accept("cannot write " + f + ": " + dev.lopper.app.MainViewModel.oneLine(ex));
        }
    }

    public LineChart<Number, Number> latencyChart() { return latencyChart; }
}
