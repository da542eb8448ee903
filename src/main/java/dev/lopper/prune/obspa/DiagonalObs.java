package dev.lopper.prune.obspa;

/**
 * OBS for layers too wide for a dense H (more than {@link InputMoments#MAX_DENSE_FEATURES} inputs): the inputs
 * are taken as uncorrelated with means μ and variances σ², so removing column q costs Σ_rows w_q² σ_q² when the
 * layer has a bias (which absorbs w_q μ_q) and Σ_rows w_q² (σ_q² + μ_q²) when it has none; no other weight moves.
 */
public final class DiagonalObs implements ObsSolver {
    private final double[][] w;
    private final double[] mean, var;
    private final int biasCol;

    /** @param w rows × (features [+ 1 bias column]); mean/var per feature */
    public DiagonalObs(double[][] w, double[] mean, double[] var, int biasCol) {
        this.w = new double[w.length][];
        for (int r = 0; r < w.length; r++) this.w[r] = w[r].clone();
        this.mean = mean.clone();
        this.var = var.clone();
        this.biasCol = biasCol;
    }

    @Override
    public double deltaE(int[] cols) {
        double t = 0;
        for (double[] row : w) {
            for (int c : cols) {
                double m = biasCol >= 0 ? var[c] : var[c] + mean[c] * mean[c];
                t += row[c] * row[c] * m;
            }
        }
        return t;
    }

    @Override
    public void remove(int[] cols) {
        for (double[] row : w) {
            for (int c : cols) {
                if (biasCol >= 0) row[biasCol] += row[c] * mean[c];
                row[c] = 0;
            }
        }
    }

    @Override
    public double[][] weights() {
        double[][] c = new double[w.length][];
        for (int r = 0; r < w.length; r++) c[r] = w[r].clone();
        return c;
    }
}
