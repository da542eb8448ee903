package dev.lopper.app.groups;

import javafx.beans.binding.Bindings;
import javafx.beans.binding.DoubleBinding;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;

import dev.lopper.analysis.CoupledGroup;

/**
 * One row of the groups table: a coupled group, its share of the model's parameters and MACs, an optional
 * per-group ratio overriding the global one, the channels the current plan keeps and its importance scores.
 */
public final class GroupRow {
    private final CoupledGroup group;
    private final double paramsShare;
    private final double macsShare;
    /** Ratio of channels to remove set for this group only; NaN when the global setting applies. */
    private final DoubleProperty override = new SimpleDoubleProperty(Double.NaN);
    private final DoubleBinding effectiveRatio;
    /** Channels kept by the current plan; -1 before a plan exists. */
    private final IntegerProperty kept = new SimpleIntegerProperty(-1);
    /** Channels the current plan keeps, null before a plan exists. */
    private final ObjectProperty<int[]> keptChannels = new SimpleObjectProperty<>();
    /** Importance per root channel (normalized), null before scoring. */
    private final ObjectProperty<double[]> importance = new SimpleObjectProperty<>();

    /** Damage when only this group is pruned at the Sensitivity tab's reference ratio; NaN before it is measured. */
    private final DoubleProperty damage = new SimpleDoubleProperty(Double.NaN);
    /** That damage relative to the most sensitive group's (0..1, the heat colour); NaN before it is measured. */
    private final DoubleProperty heat = new SimpleDoubleProperty(Double.NaN);

    public GroupRow(CoupledGroup group, double paramsShare, double macsShare, DoubleProperty globalRatio) {
        this.group = group;
        this.paramsShare = paramsShare;
        this.macsShare = macsShare;
        this.effectiveRatio = Bindings.createDoubleBinding(
                () -> Double.isNaN(override.get()) ? globalRatio.get() : override.get(), override, globalRatio);
    }

    public CoupledGroup group() { return group; }

    public String id() { return group.id(); }

    public int channels() { return group.channels(); }

    public boolean isPrunable() { return group.isPrunable(); }

    public String status() { return group.isPrunable() ? (hasOverride() ? "prunable (own ratio)" : "prunable") : "locked"; }

    public String reason() { return String.join("; ", group.lockReasons()); }

    public double paramsShare() { return paramsShare; }

    public double macsShare() { return macsShare; }

    public boolean hasOverride() { return !Double.isNaN(override.get()); }

    public DoubleProperty overrideProperty() { return override; }

    public DoubleBinding effectiveRatioProperty() { return effectiveRatio; }

    public double effectiveRatio() { return effectiveRatio.get(); }

    public IntegerProperty keptProperty() { return kept; }

    public ObjectProperty<double[]> importanceProperty() { return importance; }

    public ObjectProperty<int[]> keptChannelsProperty() { return keptChannels; }

    public DoubleProperty damageProperty() { return damage; }

    public DoubleProperty heatProperty() { return heat; }

    /** Mean importance, NaN before scoring. */
    public double meanImportance() {
        double[] s = importance.get();
        if (s == null || s.length == 0) return Double.NaN;
        double sum = 0;
        int n = 0;
        for (double v : s) {
            if (Double.isNaN(v)) continue;
            sum += v;
            n++;
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
