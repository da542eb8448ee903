package dev.lopper.analysis.rules;

import java.util.ArrayList;
import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.ParamSlice.Role;
import dev.lopper.graph.Node;

/**
 * Add/Sub/Mul/Div/Pow/Where/Max/Min/Sum/Mean/PRelu/comparisons: all operands and the output are coupled
 * axis by axis (residual adds, squeeze-excitation gates, per-channel constants); a broadcast operand of
 * size 1 on an axis is not coupled. Integer arithmetic on shape values is followed symbolically.
 */
public final class ElementwiseRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        List<Dim[]> ops = new ArrayList<>();
        for (int i = 0; i < n.inputs().size(); i++) {
            if (n.input(i).isEmpty()) continue;
            ops.add(ctx.require(n, i));
        }
        Dim[] out = RuleSupport.broadcast(ops, ctx, n);
        boolean biasLike = n.opType().equals("Add") && producedByLinear(n, ctx);
        for (int i = 0; i < n.inputs().size(); i++) {
            String t = n.input(i);
            if (t.isEmpty() || !ctx.isConstant(t)) continue;
            Dim[] d = ctx.dims(t);
            for (int k = 0; k < d.length; k++) {
                if (d[k].size() > 1) ctx.role(t, k, biasLike ? Role.PRODUCER_BIAS : Role.PER_CHANNEL, n);
            }
        }
        ctx.setDims(n.output(0), out);
        shapeArithmetic(n, ctx);
    }

    private static boolean producedByLinear(Node n, AnalysisContext ctx) {
        for (String in : n.inputs()) {
            var p = ctx.graph().producer(in);
            if (p.isPresent()) {
                String op = p.get().opType();
                if (op.equals("MatMul") || op.equals("Conv") || op.equals("Gemm") || op.equals("ConvTranspose")) return true;
            }
        }
        return false;
    }

    private static void shapeArithmetic(Node n, AnalysisContext ctx) {
        String op = n.opType();
        if (!(op.equals("Mul") || op.equals("Div") || op.equals("Add") || op.equals("Sub")) || n.inputs().size() != 2) return;
        List<Object> a = ctx.shapeValue(n.input(0)), b = ctx.shapeValue(n.input(1));
        if (a == null || b == null) return;
        if (ctx.isConstant(n.input(0)) && ctx.isConstant(n.input(1))) return;
        int len = Math.max(a.size(), b.size());
        if ((a.size() != len && a.size() != 1) || (b.size() != len && b.size() != 1)) return;
        List<Object> r = new ArrayList<>();
        for (int i = 0; i < len; i++) {
            Object x = a.get(a.size() == 1 ? 0 : i), y = b.get(b.size() == 1 ? 0 : i);
            r.add(combine(op, x, y, ctx));
        }
        ctx.setShapeValue(n.output(0), r);
    }

    private static Object combine(String op, Object x, Object y, AnalysisContext ctx) {
        if (x instanceof Long p && y instanceof Long q) {
            return switch (op) {
                case "Mul" -> p * q;
                case "Div" -> q == 0 ? null : p / q;
                case "Add" -> p + q;
                default -> p - q;
            };
        }
        if (y instanceof Long q) {
            if ((op.equals("Mul") || op.equals("Div")) && q == 1) return x;
            if ((op.equals("Add") || op.equals("Sub")) && q == 0) return x;
        }
        if (x instanceof Long p) {
            if (op.equals("Mul") && p == 1) return y;
            if (op.equals("Add") && p == 0) return y;
        }
        if (op.equals("Mul") && x instanceof Dim p && y instanceof Dim q) return ctx.product(List.of(p, q));
        return null;
    }
}
