package dev.lopper.analysis.ops;

/** The scalar functions of elementwise activations, for the moment views that push Gaussians through them. */
public final class Activations {
    private Activations() {}

    /** Error function (Numerical Recipes' erfc Chebyshev fit, |error| &lt; 1.2e-7). */
    public static double erf(double x) {
        double t = 1 / (1 + 0.5 * Math.abs(x));
        double y = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - y : y - 1;
    }

    public static double gelu(double x) { return 0.5 * x * (1 + erf(x / Math.sqrt(2))); }

    public static double sigmoid(double x) { return 1 / (1 + Math.exp(-x)); }

    /** x · sigmoid(x) (SiLU, Swish). */
    public static double silu(double x) { return x / (1 + Math.exp(-x)); }

    public static double elu(double x) { return x > 0 ? x : Math.expm1(x); }

    public static double softplus(double x) { return x > 30 ? x : Math.log1p(Math.exp(x)); }

    public static double hardSigmoid(double x) { return Math.max(0, Math.min(1, 0.2 * x + 0.5)); }

    public static double hardSwish(double x) { return x * Math.max(0, Math.min(1, x / 6 + 0.5)); }

    public static double mish(double x) { return x * Math.tanh(softplus(x)); }
}
