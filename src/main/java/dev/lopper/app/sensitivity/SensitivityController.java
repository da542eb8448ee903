package dev.lopper.app.sensitivity;

import java.io.File;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javafx.collections.ListChangeListener;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.util.StringConverter;

import dev.lopper.app.WindowKeeper;

/**
 * Controller of {@code Sensitivity.fxml}, made by the ControllerFactory with its {@link SensitivityViewModel}: binds
 * the controls, draws one series per group's curve, and forwards clicks on a curve, its points or its legend entry to
 * {@link SensitivityViewModel#selectGroup}. No logic of its own.
 */
public final class SensitivityController {
    /** Above this many curves the legend is left out (it would not fit); curves still select their group on click. */
    static final int MAX_LEGEND = 24;

    private final SensitivityViewModel vm;
    @FXML private BorderPane root;
    @FXML private Button run;
    @FXML private Button cancel;
    @FXML private Button randomData;
    @FXML private Spinner<Integer> samples;
    @FXML private Spinner<Integer> threads;
    @FXML private Label dataLabel;
    @FXML private Label progress;
    @FXML private Label status;
    @FXML private LineChart<Number, Number> chart;
    @FXML private NumberAxis damageAxis;
    @FXML private ChoiceBox<SensitivityViewModel.TargetKind> targetKind;
    @FXML private TextField targetValue;
    @FXML private Button findPlan;
    @FXML private Label targetStatus;
    /** Series by group id. */
    private final Map<String, XYChart.Series<Number, Number>> series = new HashMap<>();

    public SensitivityController(SensitivityViewModel vm) { this.vm = vm; }

    @FXML
    private void initialize() {
        run.disableProperty().bind(vm.runningProperty());
        cancel.disableProperty().bind(vm.runningProperty().not().and(vm.decidingProperty().not()));
        SpinnerValueFactory.IntegerSpinnerValueFactory sf = new SpinnerValueFactory.IntegerSpinnerValueFactory(1, 100_000,
                vm.samplesProperty().get(), 8);
        samples.setValueFactory(sf);
        sf.valueProperty().addListener((o, a, b) -> { if (b != null) vm.samplesProperty().set(b); });
        vm.samplesProperty().addListener((o, a, b) -> sf.setValue(b.intValue()));
        SpinnerValueFactory.IntegerSpinnerValueFactory tf = new SpinnerValueFactory.IntegerSpinnerValueFactory(1,
                Runtime.getRuntime().availableProcessors(), vm.threadsProperty().get());
        threads.setValueFactory(tf);
        tf.valueProperty().addListener((o, a, b) -> { if (b != null) vm.threadsProperty().set(b); });
        threads.setTooltip(new Tooltip("ONNX Runtime threads when timing a latency target (lopper prune --threads)."));
        dataLabel.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(() -> vm.dataProperty().get() == null
                ? "seeded random inputs" : vm.dataProperty().get().getFileName().toString(), vm.dataProperty()));
        randomData.disableProperty().bind(vm.dataProperty().isNull());
        progress.textProperty().bind(vm.progressTextProperty());
        status.textProperty().bind(vm.statusProperty());
        targetKind.getItems().setAll(SensitivityViewModel.TargetKind.values());
        targetKind.setConverter(new StringConverter<>() {
            @Override public String toString(SensitivityViewModel.TargetKind k) { return k == null ? "" : k.label(); }

            @Override public SensitivityViewModel.TargetKind fromString(String s) { return null; }
        });
        targetKind.valueProperty().bindBidirectional(vm.targetKindProperty());
        targetValue.textProperty().bindBidirectional(vm.targetTextProperty());
        targetValue.setTooltip(new Tooltip("e.g. 50 % (MACs, params), 0.6x (latency)"));
        findPlan.disableProperty().bind(vm.decidingProperty());
        targetStatus.textProperty().bind(vm.targetStatusProperty());
        vm.curves().addListener((ListChangeListener<SensitivityViewModel.Curve>) c -> redraw());
        vm.resultProperty().addListener((o, a, r) -> damageAxis.setLabel(SensitivityViewModel.axisLabel(r)));
        vm.selectedProperty().addListener((o, a, b) -> highlight());
        redraw();
    }

    private void redraw() {
        chart.getData().clear();
        series.clear();
        List<SensitivityViewModel.Curve> curves = List.copyOf(vm.curves());
        chart.setLegendVisible(!curves.isEmpty() && curves.size() <= MAX_LEGEND);
        for (SensitivityViewModel.Curve c : curves) {
            XYChart.Series<Number, Number> s = new XYChart.Series<>();
            s.setName(c.name());
            for (double[] p : c.points()) s.getData().add(new XYChart.Data<>(p[0], p[1]));
            chart.getData().add(s);
            series.put(c.id(), s);
            clickable(s.getNode(), c);
            for (XYChart.Data<Number, Number> d : s.getData()) {
                clickable(d.getNode(), c);
                if (d.getNode() != null) {
                    Tooltip.install(d.getNode(), new Tooltip(String.format(java.util.Locale.ROOT, "%s\nratio %.2f · damage %.4g%s",
                            c.name(), d.getXValue().doubleValue(), d.getYValue().doubleValue(),
                            c.status().equals("exact") ? "" : "\n(" + c.status() + ")")));
                }
            }
        }
        // legend entries select their group too (the legend is built during layout)
        chart.applyCss();
        chart.layout();
        for (Node item : chart.lookupAll(".chart-legend-item")) {
            if (!(item instanceof Label l)) continue;
            for (SensitivityViewModel.Curve c : curves) {
                if (c.name().equals(l.getText())) clickable(l, c);
            }
        }
        highlight();
    }

    private void clickable(Node n, SensitivityViewModel.Curve c) {
        if (n == null) return;
        n.setUserData(c.id());
        n.setStyle(n.getStyle() + "-fx-cursor: hand;");
        n.setOnMouseClicked(e -> vm.selectGroup(c.id()));
    }

    private void highlight() {
        String sel = vm.selectedGroup();
        series.forEach((id, s) -> {
            if (s.getNode() == null) return;
            boolean on = id.equals(sel);
            s.getNode().setStyle("-fx-cursor: hand; -fx-stroke-width: " + (on ? "4px;" : "1.5px;")
                    + (sel == null || on ? "" : "-fx-opacity: 0.45;"));
            if (on) s.getNode().toFront();
        });
    }

    @FXML private void run() { vm.run(); }

    @FXML private void cancel() { vm.cancel(); }

    @FXML private void findPlan() { vm.findPlan(); }

    @FXML private void randomData() { vm.dataProperty().set(null); }

    /** A data file, as lopper's --data / --calibration: CSV, .npy or .npz. */
    @FXML
    private void chooseData() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Data to measure on (CSV, .npy, .npz)");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("Data (CSV, .npy, .npz)", "*.csv", "*.npy", "*.npz"),
                new FileChooser.ExtensionFilter("All files", "*.*"));
        var w = root.getScene() == null ? null : root.getScene().getWindow();
        File f = WindowKeeper.keep(w, () -> fc.showOpenDialog(w));
        if (f != null) vm.dataProperty().set(f.toPath());
    }

    /** An image folder (one subfolder per class), as lopper's --data. */
    @FXML
    private void chooseFolder() {
        DirectoryChooser dc = new DirectoryChooser();
        dc.setTitle("Image folder (one subfolder per class)");
        var w = root.getScene() == null ? null : root.getScene().getWindow();
        File f = WindowKeeper.keep(w, () -> dc.showDialog(w));
        if (f != null) vm.dataProperty().set(f.toPath());
    }

    /** The series drawn for a group (tests). */
    XYChart.Series<Number, Number> seriesOf(String id) { return series.get(id); }

    LineChart<Number, Number> chart() { return chart; }
}
