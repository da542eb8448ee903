package dev.lopper.prune.obspa;

/**
 * A layer that reads a group's channels through a weight W, seen as a matrix of {@code outputs} rows and
 * {@code positions · taps} columns (column = input position · taps + tap): a Conv weight [O, C, kH, kW] read along
 * axis 1 is O × (C · kH·kW) in its own memory order; a [in, out] weight read along axis 0 (Gemm without transB,
 * MatMul) is its transpose.
 *
 * @param node       consumer node
 * @param weight     weight tensor name
 * @param dims       weight dims
 * @param axis       the weight axis the group's channels lie on
 * @param outputs    rows of the matrix
 * @param positions  size of the input axis
 * @param taps       columns per input position (kernel taps; 1 for dense layers)
 * @param transposed true when the weight is stored [in, out]
 * @param input      the activation the layer reads
 * @param bias       where the layer's output bias lives (compensation shifts it), or null
 * @param groups     convolution groups: output rows of group g read input channels g·positions … (g+1)·positions − 1
 *                   (1 for dense layers)
 */
public record ConsumerLayer(String node, String weight, long[] dims, int axis, int outputs, int positions, int taps,
                            boolean transposed, String input, BiasSink bias, int groups) {
    public ConsumerLayer(String node, String weight, long[] dims, int axis, int outputs, int positions, int taps,
                         boolean transposed, String input, BiasSink bias) {
        this(node, weight, dims, axis, outputs, positions, taps, transposed, input, bias, 1);
    }

    /**
     * A bias that adds to the layer's output: {@code tensor} gets {@code sign · δb} added per output row.
     *
     * @param tensor  constant with one value per output row
     * @param sign    +1 for a bias that adds (Conv/Gemm bias, Add constant), −1 for a BatchNormalization mean
     * @param initial true when the tensor's values are the layer's bias (sign +1); false when the bias starts at 0
     */
    public record BiasSink(String tensor, int sign, boolean initial) { }

    /** Columns of W. */
    public int features() { return positions * taps; }

    /** The matrix layout of a weight read along {@code axis}, or null when it is not a plain matrix. */
    public static ConsumerLayer layout(String node, String weight, long[] dims, int axis, String input, BiasSink bias) {
        if (dims.length >= 2 && axis == 1) {
            long taps = 1;
            for (int i = 2; i < dims.length; i++) taps *= dims[i];
            return new ConsumerLayer(node, weight, dims, axis, Math.toIntExact(dims[0]), Math.toIntExact(dims[1]),
                    Math.toIntExact(taps), false, input, bias);
        }
        if (dims.length == 2 && axis == 0) {
            return new ConsumerLayer(node, weight, dims, axis, Math.toIntExact(dims[1]), Math.toIntExact(dims[0]), 1, true, input, bias);
        }
        return null;
    }

    /** W as rows × features doubles (plus a trailing bias column holding {@code bias} when not null). */
    public double[][] matrix(float[] values, float[] biasValues, boolean withBiasColumn) {
        int f = features();
        double[][] m = new double[outputs][f + (withBiasColumn ? 1 : 0)];
        for (int o = 0; o < outputs; o++) {
            for (int j = 0; j < f; j++) m[o][j] = transposed ? values[j * outputs + o] : values[o * f + j];
            if (withBiasColumn && biasValues != null) m[o][f] = biasValues[o];
        }
        return m;
    }

    /** Writes the first {@code features()} columns of {@code m} back into a copy of the weight's values. */
    public float[] values(double[][] m) {
        int f = features();
        float[] v = new float[outputs * f];
        for (int o = 0; o < outputs; o++) {
            for (int j = 0; j < f; j++) {
                if (transposed) v[j * outputs + o] = (float) m[o][j];
                else v[o * f + j] = (float) m[o][j];
            }
        }
        return v;
    }

    /** Columns owned by the given input positions. */
    public int[] columns(int[] positions) {
        int[] c = new int[positions.length * taps];
        int k = 0;
        for (int p : positions) {
            if (p < 0 || p >= this.positions) {
                throw new IllegalArgumentException("consumer " + node + ": position " + p + " outside its " + this.positions + " inputs");
            }
            for (int t = 0; t < taps; t++) c[k++] = p * taps + t;
        }
        return c;
    }
}
