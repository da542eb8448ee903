package dev.lopper.runtime;

import java.util.function.IntFunction;

/**
 * Counts top-1 and top-5 hits of class scores [N, C] against integer labels. Top-1 is the first argmax (as
 * torch.argmax); a label is in the top 5 when fewer than 5 classes score strictly higher.
 */
public final class AccuracyAccumulator {
    private long samples;
    private long top1;
    private long top5;

    /**
     * @param scores output of shape [N, C]
     * @param labels N labels
     * @param origin names sample i for error messages (e.g. "digits.csv row 18")
     */
    public void add(String outputName, HostTensor scores, int[] labels, IntFunction<String> origin) {
        if (!FidelityAccumulator.isClassifierOutput(scores)) {
            throw new EvalException("accuracy needs class scores of shape [N, classes]; output '" + outputName
                    + "' has shape " + HostTensor.shapeText(scores.shape()));
        }
        int n = (int) scores.dim(0);
        int classes = (int) scores.dim(1);
        if (n != labels.length) {
            throw new EvalException("output '" + outputName + "' has " + n + " rows for " + labels.length + " labels");
        }
        for (int i = 0; i < n; i++) {
            int label = labels[i];
            if (label < 0 || label >= classes) {
                throw new EvalException(origin.apply(i) + ": label " + label + " is outside 0.." + (classes - 1)
                        + " (output '" + outputName + "' has " + classes + " classes)");
            }
            int off = i * classes;
            if (FidelityAccumulator.argmax(scores, off, classes) == label) top1++;
            double v = scores.get(off + label);
            int higher = 0;
            for (int c = 0; c < classes; c++) if (scores.get(off + c) > v) higher++;
            if (higher < 5) top5++;
            samples++;
        }
    }

    public AccuracyResult result() { return new AccuracyResult(samples, top1, top5); }
}
