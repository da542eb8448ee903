package dev.lopper.app.graph;

import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Hyperlink;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;

/**
 * The path of open If/Loop/Scan bodies above the graph ("model.onnx › If_1 · then_branch"): each level above the
 * one shown is a link back to it. Hidden while the model's own graph is shown.
 */
public final class BreadcrumbBar extends HBox {
    private final BodyNavigator navigator;

    public BreadcrumbBar(BodyNavigator navigator) {
        this.navigator = navigator;
        getStyleClass().add("breadcrumb-bar");
        setAlignment(Pos.CENTER_LEFT);
        setSpacing(4);
        setPadding(new Insets(4, 8, 4, 8));
        navigator.path().addListener((ListChangeListener<BodyNavigator.Level>) c -> rebuild());
        rebuild();
    }

    private void rebuild() {
        getChildren().clear();
        int n = navigator.path().size();
        setVisible(n > 1);
        setManaged(n > 1);
        if (n < 2) return;
        Button up = new Button("↑ Up");
        up.setId("breadcrumb-up");
        up.setTooltip(new Tooltip("Back to the graph holding this body"));
        up.setOnAction(e -> navigator.up());
        getChildren().add(up);
        for (int i = 0; i < n; i++) {
            BodyNavigator.Level level = navigator.path().get(i);
            if (i > 0) getChildren().add(new Label("›"));
            if (i == n - 1) {
                Label here = new Label(level.label());
                here.getStyleClass().add("breadcrumb-current");
                here.setId("breadcrumb-current");
                getChildren().add(here);
            } else {
                Hyperlink link = new Hyperlink(level.label());
                link.setId("breadcrumb-" + i);
                int index = i;
                link.setOnAction(e -> navigator.goTo(index));
                getChildren().add(link);
            }
        }
    }
}
