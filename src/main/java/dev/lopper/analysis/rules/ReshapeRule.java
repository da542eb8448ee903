package dev.lopper.analysis.rules;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.DimInfo;
import dev.lopper.analysis.DimSpace;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.Rewrite;
import dev.lopper.graph.Node;

/**
 * Reshape: the input's dims are expanded into row-major factors and regrouped to the target's entries
 * (C×H×W → F, hidden → heads × head_dim and back). Target entries may be constants, 0 (copy), -1 (infer)
 * or dims read by Shape (dynamic batch/sequence). The target is rewritten as a new constant when
 * channels go: known sizes literally, dynamic dims as 0 (copy) or a single -1.
 */
public final class ReshapeRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        Dim[] x = ctx.require(n, 0);
        List<Object> target;
        if (n.inputs().size() < 2 || n.input(1).isEmpty()) {
            long[] s = n.attrInts("shape");
            if (s == null) throw new RuleFailure("Reshape without a shape at node '" + n.name() + "'");
            target = new ArrayList<>();
            for (long v : s) target.add(v);
        } else {
            target = ctx.shapeValue(n.input(1));
            if (target == null) throw new RuleFailure("Reshape target is computed at run time at node '" + n.name() + "'");
        }
        boolean allowZero = n.attrInt("allowzero", 0) != 0;
        if (x.length == 1 && target.size() == 1) {
            // a shape value flattened to 1-D (torch's expand writes Reshape(Concat(...), [-1])): entries pass through
            List<Object> sv = ctx.shapeValue(n.input(0));
            if (sv != null) {
                ctx.setShapeValue(n.output(0), sv);
                ctx.setProvenance(n.output(0), ctx.provenance(n.input(0)));
            }
        }
        int m = target.size();
        // entries: Dim (a dim that must match), Long k > 0 (a size), or null (infer)
        Object[] e = new Object[m];
        int infer = -1;
        for (int i = 0; i < m; i++) {
            Object t = target.get(i);
            if (t instanceof Long v) {
                if (v == 0 && !allowZero) {
                    if (i >= x.length) throw new RuleFailure("Reshape copies a missing axis at node '" + n.name() + "'");
                    e[i] = x[i];
                } else if (v == -1) {
                    if (infer >= 0) throw new RuleFailure("Reshape with two inferred dims at node '" + n.name() + "'");
                    infer = i;
                } else {
                    e[i] = v;
                }
            } else if (t instanceof Dim d) {
                e[i] = d;
            } else {
                if (infer >= 0) throw new RuleFailure("Reshape target has unknown entries at node '" + n.name() + "'");
                infer = i;
            }
        }
        List<Dim> atoms = new ArrayList<>();
        for (Dim d : x) DimSpace.productAtoms(d, atoms);
        Dim[] out = new Dim[m];
        int stop = infer < 0 ? m : infer;
        for (int i = 0; i < stop; i++) out[i] = take(e[i], atoms, true, ctx, n);
        if (infer >= 0) {
            for (int i = m - 1; i > infer; i--) out[i] = take(e[i], atoms, false, ctx, n);
            out[infer] = atoms.isEmpty() ? ctx.fresh(1) : ctx.product(new ArrayList<>(atoms));
            atoms.clear();
        }
        for (Dim a : atoms) {
            if (a.size() != 1) throw new RuleFailure("Reshape sizes do not match at node '" + n.name() + "'");
        }
        ctx.setDims(n.output(0), out);
        boolean[] copy = new boolean[m];
        int dynamicEntries = 0;
        boolean channels = false;
        for (int i = 0; i < m; i++) {
            copy[i] = !allowZero && i < x.length && DimSpace.same(x[i], out[i]);
            if (out[i].size() < 0 && !copy[i]) dynamicEntries++;
            channels |= DimInfo.hasChannel(out[i]);
        }
        if (dynamicEntries > 1 && channels) {
            // keep the computed shape and patch the literals it holds (dynamic entries are read at run time)
            AnalysisContext.Provenance[] prov = ctx.provenance(n.input(1));
            for (Dim d : ctx.shapeDependencies(n.input(1))) {
                boolean entry = false;
                for (Dim o : out) entry |= DimSpace.same(o, d);
                if (DimInfo.hasChannel(d) && !entry) {
                    throw new RuleFailure("Reshape target is computed from channel counts at node '" + n.name() + "'");
                }
            }
            List<Rewrite> patches = new ArrayList<>();
            for (int i = 0; i < m; i++) {
                if (!DimInfo.hasChannel(out[i])) continue;
                if (target.get(i) instanceof Dim) continue; // read from a Shape at run time
                if (prov == null || i >= prov.length || prov[i] == null) {
                    throw new RuleFailure("Reshape target cannot be rewritten (several dynamic dims) at node '" + n.name() + "'");
                }
                patches.add(new Rewrite.ConstantPatch(prov[i].node(), prov[i].input(), prov[i].constant(), prov[i].element(), out[i]));
            }
            patches.forEach(ctx::rewrite);
            return;
        }
        List<Dim> entries = new ArrayList<>();
        Collections.addAll(entries, out);
        ctx.rewrite(new Rewrite.ShapeInput(n.name(), 1, entries, copy, !allowZero, ctx.shapeDependencies(n.input(1))));
    }

    /** Takes atoms (from the front or the back) whose product is the entry's size. */
    private static Dim take(Object entry, List<Dim> atoms, boolean front, AnalysisContext ctx, Node n) {
        long t;
        if (entry instanceof Dim d) {
            t = d.size();
            if (t < 0) {
                // a dynamic product read by Shape (batch × windows): the next atoms must be its own atoms
                List<Dim> own = new ArrayList<>();
                DimSpace.productAtoms(d, own);
                if (own.size() > 1 && own.size() <= atoms.size()) {
                    int base = front ? 0 : atoms.size() - own.size();
                    boolean match = true;
                    for (int k = 0; k < own.size(); k++) match &= DimSpace.same(own.get(k), atoms.get(base + k));
                    if (match) {
                        for (int k = 0; k < own.size(); k++) atoms.remove(base);
                        return d;
                    }
                }
                // a dynamic dim: must be the next atom itself
                while (!atoms.isEmpty() && atoms.get(front ? 0 : atoms.size() - 1).size() == 1) atoms.remove(front ? 0 : atoms.size() - 1);
                if (atoms.isEmpty()) throw new RuleFailure("Reshape cannot follow dims at node '" + n.name() + "'");
                Dim a = atoms.remove(front ? 0 : atoms.size() - 1);
                if (!ctx.unify(a, d, n.name())) throw new RuleFailure("Reshape cannot follow dims at node '" + n.name() + "'");
                return d;
            }
        } else {
            t = (Long) entry;
        }
        if (t == 1) return entry instanceof Dim d ? d : ctx.fresh(1);
        List<Dim> run = new ArrayList<>();
        long prod = 1;
        while (prod < t) {
            if (atoms.isEmpty()) throw new RuleFailure("Reshape sizes do not match at node '" + n.name() + "'");
            int idx = front ? 0 : atoms.size() - 1;
            Dim a = atoms.get(idx);
            long s = a.size();
            if (s < 0) throw new RuleFailure("Reshape of a dim of unknown size at node '" + n.name() + "'");
            if (prod * s <= t) {
                atoms.remove(idx);
                if (front) run.add(a); else run.add(0, a);
                prod *= s;
            } else {
                long need = t / prod;
                if (t % prod != 0 || s % need != 0) throw new RuleFailure("Reshape sizes do not match at node '" + n.name() + "'");
                long[] sizes = front ? new long[] {need, s / need} : new long[] {s / need, need};
                List<Dim> f = ctx.factor(a, sizes, new String[] {"outer", "inner"}, n);
                if (front) { run.add(f.get(0)); atoms.set(idx, f.get(1)); }
                else { run.add(0, f.get(1)); atoms.set(idx, f.get(0)); }
                prod *= need;
            }
        }
        Dim r = ctx.product(run);
        if (entry instanceof Dim d) {
            if (!ctx.unify(d, r, n.name())) throw new RuleFailure("Reshape cannot follow dims at node '" + n.name() + "'");
            return d;
        }
        return r;
    }
}
