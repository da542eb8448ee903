package dev.lopper.app.sensitivity;

import java.util.List;
import java.util.Locale;

import javafx.collections.ListChangeListener;
import javafx.fxml.FXML;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.ScatterChart;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;

/**
 * Controller of {@code Pareto.fxml}, made by the ControllerFactory with its {@link ParetoViewModel}: one point per
 * evaluated plan (the Pareto front drawn apart), the original as a reference; a click on a point restores its plan.
 * No logic of its own.
 */
public final class ParetoController {
    private final ParetoViewModel vm;
    @FXML private Label status;
    @FXML private ScatterChart<Number, Number> byLatency;
    @FXML private ScatterChart<Number, Number> byMacs;
    @FXML private NumberAxis qualityAxis1;
    @FXML private NumberAxis qualityAxis2;

    public ParetoController(ParetoViewModel vm) { this.vm = vm; }

    @FXML
    private void initialize() {
        status.textProperty().bind(vm.statusProperty());
        vm.points().addListener((ListChangeListener<ParetoViewModel.Point>) c -> redraw());
        redraw();
    }

    private void redraw() {
        List<ParetoViewModel.Point> all = List.copyOf(vm.points());
        fill(byLatency, all, true);
        fill(byMacs, all, false);
        String q = all.isEmpty() ? "quality" : all.get(all.size() - 1).metric().equals("accuracy") ? "top-1 accuracy"
                : "output cosine (fidelity)";
        qualityAxis1.setLabel(q);
        qualityAxis2.setLabel(q);
    }

    private void fill(ScatterChart<Number, Number> chart, List<ParetoViewModel.Point> all, boolean latency) {
        chart.getData().clear();
        if (all.isEmpty()) return;
        XYChart.Series<Number, Number> original = new XYChart.Series<>();
        original.setName("original");
        original.getData().add(new XYChart.Data<>(latency ? 1.0 : 100.0, all.get(all.size() - 1).original()));
        List<ParetoViewModel.Point> front = ParetoViewModel.front(all, latency);
        XYChart.Series<Number, Number> best = new XYChart.Series<>();
        best.setName("Pareto front");
        XYChart.Series<Number, Number> rest = new XYChart.Series<>();
        rest.setName("other plans");
        for (ParetoViewModel.Point p : all) {
            (front.contains(p) ? best : rest).getData().add(new XYChart.Data<>(latency ? p.latency() : 100 * p.macs(), p.quality(), p));
        }
        chart.getData().add(original);
        chart.getData().add(best);
        if (!rest.getData().isEmpty()) chart.getData().add(rest);
        chart.setLegendVisible(true);
        for (XYChart.Series<Number, Number> s : List.of(best, rest)) {
            if (s.getChart() == null) continue;
            for (XYChart.Data<Number, Number> d : s.getData()) {
                ParetoViewModel.Point p = (ParetoViewModel.Point) d.getExtraValue();
                d.getNode().setId((latency ? "pareto-latency-" : "pareto-macs-") + p.number());
                d.getNode().setStyle("-fx-cursor: hand;");
                Tooltip.install(d.getNode(), new Tooltip(String.format(Locale.ROOT, "plan #%d: %s\nquality %.4f · latency %.3f× · MACs %.1f %% · params %.1f %%\nclick to restore",
                        p.number(), p.label(), p.quality(), p.latency(), 100 * p.macs(), 100 * p.params())));
                d.getNode().setOnMouseClicked(e -> vm.restore(p));
            }
        }
    }
}
