package dev.lopper.app.graph;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.lopper.graph.Node;

/**
 * Repeated blocks found from hierarchical node names, as exporters write them ({@code /encoder/layer.3/attention/...},
 * {@code /blocks.7/mlp/...}): the outermost path component ending in a number names a block; components that differ
 * only in that number are instances of one repeated block. A display aid only: nothing else depends on it.
 */
public final class RepeatedBlocks {
    private static final Pattern NUMBERED = Pattern.compile("(.*?)(\\d+)");

    private final Map<String, String> blockOfNode = new HashMap<>();
    private final Map<String, List<String>> families = new LinkedHashMap<>();

    private RepeatedBlocks() {}

    public static RepeatedBlocks find(List<Node> nodes) {
        RepeatedBlocks r = new RepeatedBlocks();
        Map<String, String> keyOf = new HashMap<>();
        Map<String, Set<String>> keysByFamily = new LinkedHashMap<>();
        Map<String, String> familyOfKey = new HashMap<>();
        for (Node n : nodes) {
            String[] parts = n.name().split("/");
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; i < parts.length - 1; i++) {
                String p = parts[i];
                Matcher m = NUMBERED.matcher(p);
                if (!p.isEmpty() && m.matches()) {
                    String key = prefix + p;
                    String family = prefix + m.group(1) + "#";
                    keyOf.put(n.name(), key);
                    keysByFamily.computeIfAbsent(family, k -> new LinkedHashSet<>()).add(key);
                    familyOfKey.put(key, family);
                    break;
                }
                prefix.append(p).append('/');
            }
        }
        // a block worth collapsing holds at least two nodes, and its family repeats at least twice
        Map<String, Integer> size = new HashMap<>();
        for (String key : keyOf.values()) size.merge(key, 1, Integer::sum);
        keysByFamily.forEach((f, keys) -> {
            List<String> big = keys.stream().filter(k -> size.get(k) >= 2).toList();
            if (big.size() >= 2) r.families.put(f, big);
        });
        Set<String> kept = new java.util.HashSet<>();
        r.families.values().forEach(kept::addAll);
        for (Map.Entry<String, String> e : keyOf.entrySet()) {
            if (kept.contains(e.getValue())) r.blockOfNode.put(e.getKey(), e.getValue());
        }
        return r;
    }

    /** The repeated block a node belongs to, or null. */
    public String blockOf(String nodeName) { return blockOfNode.get(nodeName); }

    /** Every repeated block key, in order of appearance. */
    public List<String> allBlocks() {
        return families.values().stream().flatMap(List::stream).toList();
    }

    public boolean isEmpty() { return families.isEmpty(); }
}
