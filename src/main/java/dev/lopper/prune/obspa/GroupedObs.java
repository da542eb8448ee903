package dev.lopper.prune.obspa;

/**
 * OBS on a grouped convolution: the rows of group g read only that group's input channels, so each group is its own
 * least-squares problem over the same local columns (input position within the group · taps + tap). Removing a local
 * column removes it from every group; the costs add up.
 */
public final class GroupedObs implements ObsSolver {
    private final ObsSolver[] parts;
    private final int rowsPerGroup;
    private final int columns;

    /** @param parts one solver per group, over rows g·rowsPerGroup … (g+1)·rowsPerGroup − 1 */
    public GroupedObs(ObsSolver[] parts, int rowsPerGroup, int columns) {
        this.parts = parts.clone();
        this.rowsPerGroup = rowsPerGroup;
        this.columns = columns;
    }

    @Override
    public double deltaE(int[] cols) {
        double t = 0;
        for (ObsSolver p : parts) t += p.deltaE(cols);
        return t;
    }

    @Override
    public void remove(int[] cols) {
        for (ObsSolver p : parts) p.remove(cols);
    }

    @Override
    public void flush() {
        for (ObsSolver p : parts) p.flush();
    }

    @Override
    public double[][] weights() {
        double[][] w = new double[parts.length * rowsPerGroup][];
        for (int g = 0; g < parts.length; g++) {
            double[][] part = parts[g].weights();
            for (int r = 0; r < rowsPerGroup; r++) {
                if (part[r].length != columns) throw new IllegalStateException("group " + g + " has " + part[r].length + " columns");
                w[g * rowsPerGroup + r] = part[r];
            }
        }
        return w;
    }
}
