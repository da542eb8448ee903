package dev.lopper.app.sensitivity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.prefs.Preferences;

import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Label;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableView;
import javafx.stage.Stage;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import dev.lopper.app.AppLauncher;
import dev.lopper.app.CoreServices;
import dev.lopper.app.MainView;
import dev.lopper.app.MainViewModel;
import dev.lopper.app.RecentFiles;
import dev.lopper.app.groups.GroupRow;

/**
 * The real window, headless (Monocle): open the sample, run sensitivity from the Sensitivity tab, the curves appear,
 * clicking a curve's point or legend entry selects the group in the table and on the graph; a MACs target typed into
 * the target box produces a verified plan that meets it; evaluating it puts a point on the Pareto chart whose click
 * restores the plan.
 */
@ExtendWith(ApplicationExtension.class)
class SensitivityUiTest {
    @TempDir
    static Path dir;
    static Preferences prefs;
    static String savedCache;
    MainViewModel vm;
    MainView view;

    @BeforeAll
    static void setUp() {
        prefs = Preferences.userRoot().node("dev/lopper/app-sensitivity-uitest-" + System.nanoTime());
        savedCache = System.getProperty("lopper.cache.dir");
        System.setProperty("lopper.cache.dir", dir.resolve("cache").toString());
    }

    @AfterAll
    static void cleanup() throws Exception {
        prefs.removeNode();
        if (savedCache == null) System.clearProperty("lopper.cache.dir");
        else System.setProperty("lopper.cache.dir", savedCache);
    }

    @Start
    void start(Stage stage) {
        vm = new MainViewModel(new CoreServices(), new RecentFiles(prefs));
        Scene scene = AppLauncher.createScene(vm, 1280, 800);
        view = (MainView) scene.getRoot();
        stage.setScene(scene);
        stage.show();
    }

    void waitUntil(java.util.concurrent.Callable<Boolean> c, int seconds) throws Exception {
        try {
            WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, c);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("timed out; target: " + vm.sensitivity().targetStatusProperty().get() + " · sensitivity: "
                    + vm.sensitivity().statusProperty().get() + " · plan: " + vm.prune().planStatusProperty().get() + " · prune: "
                    + vm.prune().pruneStatusProperty().get() + " · target text: " + vm.sensitivity().targetTextProperty().get());
        }
    }

    @Test
    void sensitivityCurvesSelectGroupsAndATargetMakesAPlanThatMeetsIt(FxRobot robot) throws Exception {
        robot.interact(() -> vm.openSample());
        waitUntil(() -> vm.loaded() != null && vm.groups().analysedProperty().get() && vm.prune().outcomeProperty().get() != null, 30);
        TableView<GroupRow> groupsTable = robot.lookup("#groups-table").queryTableView();
        var damageColumn = groupsTable.getColumns().stream().filter(c -> "damage-column".equals(c.getId())).findFirst().orElseThrow();
        assertTrue(!damageColumn.isVisible(), "no damage column before a sensitivity table");
        robot.clickOn("Sensitivity");
        robot.interact(() -> vm.sensitivity().samplesProperty().set(8));
        robot.clickOn("#run-sensitivity");
        LineChart<?, ?> chart = robot.lookup("#sensitivity-chart").queryAs(LineChart.class);
        waitUntil(() -> !chart.getData().isEmpty() && !vm.sensitivity().runningProperty().get(), 120);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(vm.sensitivity().curves().size(), chart.getData().size());
        assertTrue(damageColumn.isVisible(), "the heat column appears with the table");
        String status = robot.lookup("#sensitivity-status").queryAs(Label.class).getText();
        assertTrue(status.contains("relative L2 error") && status.contains("measured in"), status);

        // click a point of the last curve: its group is selected in the table and on the graph
        SensitivityViewModel.Curve last = vm.sensitivity().curves().get(vm.sensitivity().curves().size() - 1);
        XYChart.Series<?, ?> s = chart.getData().get(chart.getData().size() - 1);
        assertEquals(last.name(), s.getName());
        Node point = s.getData().get(s.getData().size() - 1).getNode();
        robot.clickOn(point);
        WaitForAsyncUtils.waitForFxEvents();
        TableView<GroupRow> table = robot.lookup("#groups-table").queryTableView();
        assertEquals(last.id(), table.getSelectionModel().getSelectedItem().id());
        assertEquals(last.id(), vm.graph().overlayProperty().get().groupId());
        assertTrue(s.getNode().getStyle().contains("-fx-stroke-width: 4px"), s.getNode().getStyle());
        // the heat column shows its damage
        assertTrue(Double.isFinite(table.getSelectionModel().getSelectedItem().damageProperty().get()));

        // click the first curve's legend entry
        SensitivityViewModel.Curve first = vm.sensitivity().curves().get(0);
        Node legend = robot.lookup(".chart-legend-item").match(n -> n instanceof Label l && l.getText().equals(first.name()))
                .query();
        robot.clickOn(legend);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(first.id(), table.getSelectionModel().getSelectedItem().id());

        // a target: MACs ≤ 45 %, typed into the box
        robot.clickOn("#target-value").press(javafx.scene.input.KeyCode.CONTROL).press(javafx.scene.input.KeyCode.A)
                .release(javafx.scene.input.KeyCode.A).release(javafx.scene.input.KeyCode.CONTROL).write("45 %");
        assertEquals("45 %", vm.sensitivity().targetTextProperty().get());
        robot.clickOn("#find-plan");
        waitUntil(() -> vm.sensitivity().decidedProperty().get() != null && vm.prune().prunedProperty().get() != null
                && vm.prune().prunedProperty().get().verified(), 120);
        var plan = vm.prune().outcomeProperty().get();
        assertTrue(plan.plan() == vm.sensitivity().decidedProperty().get().outcome().plan());
        assertTrue(plan.after().macsFraction(plan.before()) <= 0.5, "MACs kept " + plan.after().macsFraction(plan.before()));
        assertTrue(plan.after().macsFraction(plan.before()) <= 0.45, "MACs kept " + plan.after().macsFraction(plan.before()));
        String target = robot.lookup("#target-status").queryAs(Label.class).getText();
        assertTrue(target.startsWith("✔ met: MACs"), target);

        // evaluate it: a point on the Pareto chart; another plan; clicking the point restores the decided one
        robot.interact(() -> vm.prune().evaluate(5));
        waitUntil(() -> vm.pareto().points().size() == 1, 60);
        robot.interact(() -> vm.groups().setGlobalRatio(0.2));
        waitUntil(() -> vm.prune().outcomeProperty().get() != null && vm.prune().outcomeProperty().get().plan() != plan.plan(), 30);
        robot.interact(() -> robot.lookup("#bottom-tabs").queryAs(TabPane.class).getSelectionModel().select(2));
        WaitForAsyncUtils.waitForFxEvents();
        Node p1 = robot.lookup("#pareto-macs-1").query();
        assertNotNull(p1);
        robot.clickOn(p1);
        waitUntil(() -> vm.prune().outcomeProperty().get().plan() == plan.plan(), 10);
    }
}
