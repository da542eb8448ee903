package dev.lopper.app.inspector;

import java.util.List;

/**
 * What the inspector shows for one selected box.
 *
 * @param heading   op type (or "Graph input"/"Graph output")
 * @param name      node or tensor name
 * @param attributes attribute name and printed value
 * @param inputs    input tensors
 * @param outputs   output tensors
 * @param groups    coupled groups the node belongs to, one line each
 * @param profile   the node's time from the last profile, or a note that there is none
 */
public record InspectorContent(String heading, String name, List<Row> attributes, List<TensorRow> inputs,
                               List<TensorRow> outputs, List<String> groups, String profile) {
    public record Row(String key, String value) { }

    /**
     * @param role  "activation", "initializer" or "constant"
     * @param stats value statistics for constants (null for activations or tensors too big to summarise)
     */
    public record TensorRow(String name, String shape, String elementType, String role, TensorStats stats) { }
}
