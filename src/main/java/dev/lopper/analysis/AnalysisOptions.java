package dev.lopper.analysis;

/**
 * Options of the group analysis.
 *
 * @param lockGraphOutputs lock the channels of graph outputs (a classifier's classes, an encoder's hidden size); default true
 * @param lockGraphInputs  lock the channels of graph inputs (an image's colour channels); default true
 */
public record AnalysisOptions(boolean lockGraphOutputs, boolean lockGraphInputs) {
    public static final AnalysisOptions DEFAULT = new AnalysisOptions(true, true);
}
