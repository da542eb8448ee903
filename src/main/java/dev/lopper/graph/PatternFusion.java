package dev.lopper.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/**
 * Recognizes decomposed ops that exporters emit and replaces each occurrence by one logical node whose
 * {@link Node#protoIndices()} lists every original node:
 * <ul>
 *   <li>LayerNorm: {@code ReduceMean, Sub, Pow(2) | Mul(d,d), ReduceMean, Add(eps), Sqrt, Div} (also
 *       {@code Sqrt} before the epsilon {@code Add}, and {@code Reciprocal + Mul} instead of {@code Div}),
 *       then an optional constant {@code Mul} (scale) and {@code Add} (bias) -&gt; {@code LayerNormalization}
 *       with attributes {@code axis}, {@code epsilon} and inputs {@code [x, scale, bias]} ("" when absent);</li>
 *   <li>RMSNorm: {@code Pow(x,2) | Mul(x,x), ReduceMean, Add(eps), Sqrt, Reciprocal + Mul(x, .) | Div(x, .)},
 *       optional constant {@code Mul} -&gt; {@code RMSNormalization} (axis, epsilon, inputs {@code [x, scale]});</li>
 *   <li>GELU (erf form): {@code Div(x, sqrt 2) | Mul(x, 1/sqrt 2), Erf, Add(1), Mul, Mul(0.5)} -&gt; {@code Gelu};
 *       tanh form ({@code Pow(x,3), Mul(0.044715), Add(x, .), Mul(sqrt(2/pi)), Tanh, Add(1), Mul, Mul(0.5)}) -&gt;
 *       {@code Gelu} with {@code approximate = "tanh"}.</li>
 * </ul>
 * Intermediate tensors must have no consumer outside the pattern and must not be graph outputs.
 */
final class PatternFusion {
    private final List<Node> nodes;
    private final Map<String, Node> producer = new HashMap<>();
    private final Map<String, List<Node>> consumers = new HashMap<>();
    private final Set<String> graphOutputs;
    private final Function<String, TensorValue> constValue;
    private final Map<String, TensorProto> constants;
    private final Map<String, Shape> shapes;
    private final Map<Node, Integer> position = new IdentityHashMap<>();
    private final Set<Node> removed = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<Node, Node> replaceAt = new IdentityHashMap<>();
    private int fused;

    PatternFusion(List<Node> nodes, Set<String> graphOutputs, Map<String, TensorProto> constants,
                  Function<String, TensorValue> constValue, Map<String, Shape> shapes) {
        this.nodes = nodes;
        this.graphOutputs = graphOutputs;
        this.constants = constants;
        this.constValue = constValue;
        this.shapes = shapes;
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            position.put(n, i);
            for (String o : n.outputs()) if (!o.isEmpty()) producer.put(o, n);
            List<String> ins = new ArrayList<>(n.inputs());
            ins.addAll(n.implicitInputs());
            for (String in : ins) {
                if (in.isEmpty()) continue;
                List<Node> c = consumers.computeIfAbsent(in, k -> new ArrayList<>(2));
                if (c.isEmpty() || c.get(c.size() - 1) != n) c.add(n);
            }
        }
    }

    /** Number of logical nodes created by the last {@link #run()}. */
    int fusedCount() { return fused; }

    List<Node> run() {
        for (Node n : nodes) if (is(n, "ReduceMean")) tryLayerNorm(n);
        for (Node n : nodes) if (is(n, "Pow") || is(n, "Mul")) tryRmsNorm(n);
        for (Node n : nodes) if (is(n, "Erf")) tryGelu(n);
        for (Node n : nodes) if (is(n, "Tanh")) tryGeluTanh(n);
        if (replaceAt.isEmpty()) return nodes;
        List<Node> out = new ArrayList<>(nodes.size());
        for (Node n : nodes) {
            Node r = replaceAt.get(n);
            if (r != null) out.add(r);
            else if (!removed.contains(n)) out.add(n);
        }
        return out;
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private boolean is(Node n, String op) {
        return n != null && n.isDefaultDomain() && n.opType().equals(op) && !removed.contains(n);
    }

    /** The single consumer of an intermediate tensor, or null (several consumers, graph output, none). */
    private Node only(String t) {
        if (t.isEmpty() || graphOutputs.contains(t)) return null;
        List<Node> c = consumers.get(t);
        return c != null && c.size() == 1 ? c.get(0) : null;
    }

    private Double scalar(String t) {
        if (!constants.containsKey(t)) return null;
        TensorValue v = constValue.apply(t);
        return v != null && v.isKnown() && v.size() == 1 ? v.getDouble(0) : null;
    }

    /** The other operand of a binary node, or null when {@code t} is not one of its two inputs. */
    private static String other(Node bin, String t) {
        if (bin.inputs().size() != 2) return null;
        if (bin.input(0).equals(t)) return bin.input(1);
        if (bin.input(1).equals(t)) return bin.input(0);
        return null;
    }

    private static boolean near(Double v, double target) {
        return v != null && Math.abs(v - target) <= 1e-3 * Math.max(1, Math.abs(target));
    }

    /** Reduce axes of a node (attribute or constant input), or null; the empty array means all axes. */
    private long[] axes(Node n) {
        long[] a = n.attrInts("axes");
        if (a != null) return a;
        if (n.input(1).isEmpty()) return new long[0];
        TensorValue v = constants.containsKey(n.input(1)) ? constValue.apply(n.input(1)) : null;
        return v != null && v.isKnown() ? v.longs() : null;
    }

    /**
     * The first normalized axis when {@code axes} are the trailing axes of a tensor of rank {@code rank}
     * (-1 unknown), else null. Returned normalized when the rank is known, negative otherwise.
     */
    private static Long trailingAxis(long[] axes, int rank) {
        if (axes == null || axes.length == 0) return null;
        TreeSet<Long> s = new TreeSet<>();
        for (long a : axes) {
            if (a < 0 && rank >= 0) a += rank;
            if (a >= 0 && rank < 0) return null;
            s.add(a);
        }
        long last = rank >= 0 ? rank - 1 : -1;
        if (s.last() != last || s.last() - s.first() != s.size() - 1) return null;
        return s.first();
    }

    private boolean sameAxes(long[] a, long[] b, int rank) {
        if (a == null || b == null) return false;
        long[] x = a.clone(), y = b.clone();
        for (int i = 0; i < x.length; i++) if (x[i] < 0 && rank >= 0) x[i] += rank;
        for (int i = 0; i < y.length; i++) if (y[i] < 0 && rank >= 0) y[i] += rank;
        Arrays.sort(x);
        Arrays.sort(y);
        return Arrays.equals(x, y);
    }

    /** True when a constant affine parameter only varies over the normalized trailing {@code k} axes. */
    private boolean affineOk(String t, int k) {
        if (!constants.containsKey(t)) return false;
        List<Long> d = constants.get(t).getDimsList();
        for (int i = 0; i < d.size() - k; i++) if (d.get(i) != 1) return false;
        return true;
    }

    private boolean keepDims(Node reduce) {
        return reduce.attrInt("keepdims", 1) != 0;
    }

    private void replace(List<Node> pattern, Node first, String opType, List<String> inputs, String output,
                         Map<String, AttributeProto> attrs) {
        TreeSet<Integer> idx = new TreeSet<>();
        Node last = pattern.get(0);
        for (Node p : pattern) {
            idx.addAll(p.protoIndices());
            if (position.get(p) > position.get(last)) last = p;
        }
        Node logical = new Node(first.name(), opType, "", inputs, List.of(output), attrs, new ArrayList<>(idx), null);
        removed.addAll(pattern);
        replaceAt.put(last, logical);
        fused++;
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto floatAttr(String name, double v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT)
                .setF((float) v).build();
    }

    private static AttributeProto stringAttr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(v)).build();
    }

    /** Is {@code n} a square of {@code x}: Pow(x, 2) or Mul(x, x)? */
    private boolean isSquare(Node n, String x) {
        if (is(n, "Pow")) return n.input(0).equals(x) && near(scalar(n.input(1)), 2.0);
        if (is(n, "Mul")) return n.input(0).equals(x) && n.input(1).equals(x);
        return false;
    }

    /**
     * From the variance tensor {@code v}: Add(eps) then Sqrt, or Sqrt then Add(eps); then Div(d, .) or
     * Reciprocal + Mul(d, .). Appends the nodes to {@code pattern}; returns [normalized tensor, eps] or null.
     */
    private Object[] normalizeTail(String v, String d, List<Node> pattern) {
        Node a = only(v);
        Double eps;
        String den;
        if (is(a, "Add")) {
            eps = scalar(other(a, v));
            Node s = only(a.output(0));
            if (eps == null || !is(s, "Sqrt")) return null;
            pattern.add(a);
            pattern.add(s);
            den = s.output(0);
        } else if (is(a, "Sqrt")) {
            Node a2 = only(a.output(0));
            if (!is(a2, "Add")) return null;
            eps = scalar(other(a2, a.output(0)));
            if (eps == null) return null;
            pattern.add(a);
            pattern.add(a2);
            den = a2.output(0);
        } else return null;
        Node c = only(den);
        if (is(c, "Div") && c.input(0).equals(d) && c.input(1).equals(den)) {
            pattern.add(c);
            return new Object[] {c.output(0), eps};
        }
        if (is(c, "Reciprocal")) {
            Node m = only(c.output(0));
            if (is(m, "Mul") && d.equals(other(m, c.output(0)))) {
                pattern.add(c);
                pattern.add(m);
                return new Object[] {m.output(0), eps};
            }
        }
        if (is(c, "Div") && near(scalar(c.input(0)), 1.0) && c.input(1).equals(den)) {
            Node m = only(c.output(0));
            if (is(m, "Mul") && d.equals(other(m, c.output(0)))) {
                pattern.add(c);
                pattern.add(m);
                return new Object[] {m.output(0), eps};
            }
        }
        return null;
    }

    // ---- patterns -----------------------------------------------------------------------------------

    private void tryLayerNorm(Node m1) {
        if (!keepDims(m1)) return;
        String x = m1.input(0);
        int rank = shapes.getOrDefault(x, Shape.UNKNOWN_RANK).rank();
        long[] ax = axes(m1);
        Long axis = trailingAxis(ax, rank);
        if (axis == null) return;
        int k = ax.length;
        Node sub = only(m1.output(0));
        if (!is(sub, "Sub") || !sub.input(0).equals(x) || !sub.input(1).equals(m1.output(0))) return;
        String d = sub.output(0);
        if (graphOutputs.contains(d)) return;
        List<Node> dc = consumers.getOrDefault(d, List.of());
        if (dc.size() != 2) return;
        Node sq = isSquare(dc.get(0), d) ? dc.get(0) : isSquare(dc.get(1), d) ? dc.get(1) : null;
        if (sq == null) return;
        Node m2 = only(sq.output(0));
        if (!is(m2, "ReduceMean") || !keepDims(m2) || !sameAxes(ax, axes(m2), rank)) return;
        List<Node> pattern = new ArrayList<>(List.of(m1, sub, sq, m2));
        Object[] tail = normalizeTail(m2.output(0), d, pattern);
        if (tail == null) return;
        Node normNode = pattern.get(pattern.size() - 1);
        Node otherUse = dc.get(0) == sq ? dc.get(1) : dc.get(0);
        if (otherUse != normNode) return;
        String out = (String) tail[0];
        String scale = "";
        String bias = "";
        Node mul = only(out);
        if (is(mul, "Mul") && other(mul, out) != null && affineOk(other(mul, out), k)) {
            scale = other(mul, out);
            pattern.add(mul);
            out = mul.output(0);
            Node add = only(out);
            if (is(add, "Add") && other(add, out) != null && affineOk(other(add, out), k)) {
                bias = other(add, out);
                pattern.add(add);
                out = add.output(0);
            }
        }
        Map<String, AttributeProto> attrs = new LinkedHashMap<>();
        attrs.put("axis", intAttr("axis", axis));
        attrs.put("epsilon", floatAttr("epsilon", (Double) tail[1]));
        replace(pattern, m1, "LayerNormalization", List.of(x, scale, bias), out, attrs);
    }

    private void tryRmsNorm(Node sq) {
        String x = sq.input(0);
        if (!isSquare(sq, x)) return;
        Node m = only(sq.output(0));
        if (!is(m, "ReduceMean") || !keepDims(m)) return;
        int rank = shapes.getOrDefault(x, Shape.UNKNOWN_RANK).rank();
        long[] ax = axes(m);
        Long axis = trailingAxis(ax, rank);
        if (axis == null) return;
        List<Node> pattern = new ArrayList<>(List.of(sq, m));
        Object[] tail = normalizeTail(m.output(0), x, pattern);
        if (tail == null) return;
        String out = (String) tail[0];
        String scale = "";
        Node mul = only(out);
        if (is(mul, "Mul") && other(mul, out) != null && affineOk(other(mul, out), ax.length)) {
            scale = other(mul, out);
            pattern.add(mul);
            out = mul.output(0);
        }
        Map<String, AttributeProto> attrs = new LinkedHashMap<>();
        attrs.put("axis", intAttr("axis", axis));
        attrs.put("epsilon", floatAttr("epsilon", (Double) tail[1]));
        replace(pattern, sq, "RMSNormalization", List.of(x, scale), out, attrs);
    }

    private void tryGelu(Node erf) {
        String t = erf.input(0);
        Node dv = producer.get(t);
        if (dv == null || only(t) != erf) return;
        String x;
        if (is(dv, "Div") && near(scalar(dv.input(1)), Math.sqrt(2))) x = dv.input(0);
        else if (is(dv, "Mul") && near(scalar(dv.input(1)), Math.sqrt(0.5))) x = dv.input(0);
        else if (is(dv, "Mul") && near(scalar(dv.input(0)), Math.sqrt(0.5))) x = dv.input(1);
        else return;
        List<Node> pattern = new ArrayList<>(List.of(dv, erf));
        String out = geluTail(erf.output(0), x, pattern);
        if (out == null) return;
        Map<String, AttributeProto> attrs = new LinkedHashMap<>();
        attrs.put("approximate", stringAttr("approximate", "none"));
        replace(pattern, dv, "Gelu", List.of(x), out, attrs);
    }

    /**
     * After erf(x/sqrt 2) or tanh(...): Add(., 1), then Mul by x and by 0.5 in either order. Appends the nodes
     * to {@code pattern}; returns the GELU output or null.
     */
    private String geluTail(String f, String x, List<Node> pattern) {
        Node add = only(f);
        if (!is(add, "Add") || !near(scalar(other(add, f)), 1.0)) return null;
        Node m = only(add.output(0));
        if (!is(m, "Mul")) return null;
        String o = other(m, add.output(0));
        if (o == null) return null;
        pattern.add(add);
        pattern.add(m);
        if (o.equals(x)) {
            Node half = only(m.output(0));
            if (!is(half, "Mul") || !near(scalar(other(half, m.output(0))), 0.5)) return null;
            pattern.add(half);
            return half.output(0);
        }
        Node h = producer.get(o);
        if (!is(h, "Mul") || only(o) != m || other(h, x) == null || !near(scalar(other(h, x)), 0.5)) return null;
        pattern.add(h);
        return m.output(0);
    }

    /** GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    private void tryGeluTanh(Node tanh) {
        Node scale = producer.get(tanh.input(0));
        if (!is(scale, "Mul") || only(tanh.input(0)) != tanh) return;
        String inner = near(scalar(scale.input(1)), Math.sqrt(2 / Math.PI)) ? scale.input(0)
                : near(scalar(scale.input(0)), Math.sqrt(2 / Math.PI)) ? scale.input(1) : null;
        Node sum = inner == null ? null : producer.get(inner);
        if (!is(sum, "Add") || only(inner) != scale) return;
        for (int side = 0; side < 2; side++) {
            String x = sum.input(side);
            Node cube = producer.get(sum.input(1 - side));
            if (!is(cube, "Mul") || only(sum.input(1 - side)) != sum) continue;
            String powOut = near(scalar(cube.input(1)), 0.044715) ? cube.input(0)
                    : near(scalar(cube.input(0)), 0.044715) ? cube.input(1) : null;
            Node pow = powOut == null ? null : producer.get(powOut);
            if (!is(pow, "Pow") || !pow.input(0).equals(x) || !near(scalar(pow.input(1)), 3.0) || only(powOut) != cube) continue;
            List<Node> pattern = new ArrayList<>(List.of(pow, cube, sum, scale, tanh));
            String out = geluTail(tanh.output(0), x, pattern);
            if (out == null) return;
            Map<String, AttributeProto> attrs = new LinkedHashMap<>();
            attrs.put("approximate", stringAttr("approximate", "tanh"));
            replace(pattern, pow, "Gelu", List.of(x), out, attrs);
            return;
        }
    }
}
