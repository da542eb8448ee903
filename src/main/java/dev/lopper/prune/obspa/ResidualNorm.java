package dev.lopper.prune.obspa;

import java.util.List;

import dev.lopper.graph.ModelGraph;
import dev.lopper.graph.Node;
import dev.lopper.graph.Shape;
import dev.lopper.runtime.RowWeight;

/**
 * The normalization a dense consumer's output reaches through additions only (its bias, a residual), as in every
 * transformer block ({@code LayerNorm(x + W·h + b)}): what that normalization divides each position by is how much the
 * position's error counts downstream, so calibrated moments of the consumer's input are weighted by it
 * ({@link RowWeight}). Without it, least squares spends the fit on the few positions whose residual stream is huge
 * (attention-sink tokens carry activations hundreds of times the rest), and what it does to the other positions is
 * amplified by their normalization.
 */
final class ResidualNorm {
    private ResidualNorm() {}

    /** Additions followed at most. */
    static final int MAX_ADDS = 3;

    /**
     * The row weight for {@code l}'s input positions, or null: the output must go, through at most {@link #MAX_ADDS}
     * Adds (and Reshapes that keep the last axis) each read by nothing else, to a sum that a LayerNormalization or RMSNormalization over the last axis only
     * (of the layer's output width) reads, with nothing but further Adds reading it besides.
     */
    static RowWeight of(ModelGraph g, ConsumerLayer l) {
        if (l.dims().length != 2 || l.taps() != 1) return null;
        Node n = g.node(l.node());
        if (n == null || n.outputs().isEmpty()) return null;
        String t = n.output(0);
        int adds = 0;
        while (!g.isGraphOutput(t)) {
            List<Node> readers = g.consumers(t);
            if (readers.isEmpty()) return null;
            Node norm = null;
            for (Node r : readers) {
                if (!r.isDefaultDomain()) return null;
                boolean isNorm = r.opType().equals("LayerNormalization") || r.opType().equals("RMSNormalization");
                if (isNorm && r.input(0).equals(t) && norm == null) norm = r;
                else if (!r.opType().equals("Add") && !(r.opType().equals("Reshape") && readers.size() == 1)) return null;
            }
            if (norm != null) {
                // post-norm (the sum is only normalized) or pre-norm (the residual stream also goes on to the next Add)
                Shape s = g.shape(t);
                if (!s.hasRank() || s.rank() < 2 || s.dim(-1) != l.outputs()) return null;
                long axis = norm.attrInt("axis", -1);
                if (axis != -1 && axis != s.rank() - 1) return null;
                return new RowWeight(t, norm.opType().equals("LayerNormalization"), norm.attrFloat("epsilon", 1e-5f));
            }
            if (readers.size() != 1) return null;
            Node r = readers.get(0);
            if (r.opType().equals("Reshape")) {
                // [B·S, F] ↔ [B, S, F]: the positions keep their row-major order when the last axis stays
                Shape in = g.shape(t), out = g.shape(r.output(0));
                if (!r.input(0).equals(t) || !in.hasRank() || !out.hasRank() || in.rank() < 1 || out.rank() < 1
                        || in.dim(-1) <= 0 || in.dim(-1) != out.dim(-1)) return null;
            } else if (++adds > MAX_ADDS || !g.shape(t).hasRank() || !g.shape(t).equals(g.shape(r.output(0)))) {
                return null; // an Add that broadcasts to more positions would pair rows with other rows' weights
            }
            t = r.output(0);
        }
        return null;
    }
}
