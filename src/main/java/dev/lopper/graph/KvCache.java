package dev.lopper.graph;

import java.util.LinkedHashMap;
import java.util.Map;


/**
 * A decoder's key/value cache: a graph input (past_key_values.0.key [batch, kv_heads, past, head_dim]) whose only
 * computing reader is a Concat whose result is itself a graph output (present.0.key). Its head and head-dim axes are
 * the attention's own channels, not an interface the caller fixes: the caller feeds back what the model returned.
 * So a cache pair is not locked like other graph inputs and outputs; when its channels go, the pruned model declares
 * smaller cache inputs and outputs and callers must feed caches of the new shape (the prune report says so).
 * Readers that only take the input's Shape (the past length) are allowed.
 */
public final class KvCache {
    private KvCache() {}

    /** Cache graph input → the graph output its Concat returns, in graph input order. */
    public static Map<String, String> pairs(ModelGraph graph) {
        Map<String, String> r = new LinkedHashMap<>();
        for (String in : graph.inputs()) {
            if (graph.isConstant(in) || graph.shape(in).rank() < 3) continue;
            Node concat = null;
            boolean ok = true;
            for (Node c : graph.consumers(in)) {
                if (c.opType().equals("Shape")) continue;
                if (c.opType().equals("Concat") && concat == null && c.isDefaultDomain()) { concat = c; continue; }
                ok = false;
            }
            if (!ok || concat == null) continue;
            String out = concat.output(0);
            for (String o : graph.outputs()) {
                if (graph.resolve(o).equals(out)) { r.put(in, o); break; }
            }
        }
        return r;
    }
}
