package dev.lopper.analysis;

import java.util.ArrayList;
import java.util.List;

/**
 * Union-find over {@link Dim}s with structural unification of composite layouts. All operations are
 * near-constant time (path compression, union by age), so analysis cost grows linearly with the graph.
 */
public final class DimSpace {
    private final List<Dim> all = new ArrayList<>();

    public Dim fresh(long size, String name) {
        Dim d = new Dim(all.size(), size, name);
        all.add(d);
        return d;
    }

    public List<Dim> all() { return all; }

    /** Where two dimensions were unified: the node whose rule tied them (kept to explain a group). */
    public record Tie(Dim a, Dim b, String where) { }

    private final List<Tie> ties = new ArrayList<>();

    /** Every unification asked for, in the order the rules ran (graph order). */
    public List<Tie> ties() { return ties; }

    public static Dim find(Dim d) {
        Dim r = d;
        while (r.parent != null) r = r.parent;
        while (d.parent != null) {
            Dim n = d.parent;
            d.parent = r;
            d = n;
        }
        return r;
    }

    public static boolean same(Dim a, Dim b) { return find(a) == find(b); }

    public static boolean isLeaf(Dim d) { return find(d).layout == null; }

    /** Marks every leaf under d as a channel dimension; names an unnamed leaf. */
    public void markChannel(Dim d, String name) {
        Dim r = find(d);
        if (r.layout == null && r.name == null && name != null) r.name = name;
        for (Dim leaf : leaves(d)) leaf.channel = true;
    }

    public void lock(Dim d, String reason) { for (Dim leaf : leaves(d)) leaf.addLock(reason); }

    public void mixing(Dim d, String node) { for (Dim leaf : leaves(d)) leaf.addMixing(node); }

    /**
     * The distinct leaves under d, first to last. Iterative (an explicit stack), so layouts of any depth are
     * walked completely: a deep Swin-style chain of reshapes neither overflows the stack nor is cut short.
     */
    static List<Dim> leaves(Dim d) {
        List<Dim> out = new ArrayList<>();
        java.util.Set<Dim> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.ArrayDeque<Dim> stack = new java.util.ArrayDeque<>();
        stack.push(d);
        while (!stack.isEmpty()) {
            Dim r = find(stack.pop());
            if (!seen.add(r)) continue;
            if (r.layout == null) { out.add(r); continue; }
            for (int i = r.parts.size() - 1; i >= 0; i--) stack.push(r.parts.get(i));
        }
        return out;
    }

    /** The atoms of d (in order, repeats kept) when composites of the given layout are opened; iterative. */
    private static void atoms(Dim d, Dim.Layout open, List<Dim> out, long skipSize) {
        java.util.ArrayDeque<Dim> stack = new java.util.ArrayDeque<>();
        stack.push(d);
        long steps = 0;
        while (!stack.isEmpty()) {
            if (++steps > 10_000_000) throw new IllegalStateException("channel layout too large to walk");
            Dim r = find(stack.pop());
            if (r.layout == open) {
                for (int i = r.parts.size() - 1; i >= 0; i--) stack.push(r.parts.get(i));
            } else if (r.size != skipSize) {
                out.add(r);
            }
        }
    }

    /** A composite dimension laid out as the given parts (none of them may be unknown for PRODUCT). */
    public Dim composite(Dim.Layout layout, List<Dim> parts) {
        if (parts.size() == 1) return parts.get(0);
        long size = layout == Dim.Layout.SUM ? 0 : 1;
        for (Dim p : parts) {
            long s = p.size();
            if (s < 0) { size = -1; break; }
            size = layout == Dim.Layout.SUM ? size + s : size * s;
        }
        Dim c = fresh(size, null);
        c.layout = layout;
        c.parts = new ArrayList<>(parts);
        return c;
    }

    /** Turns leaf d into a composite of fresh parts of the given sizes, inheriting flags and locks. */
    public List<Dim> decompose(Dim d, Dim.Layout layout, long[] sizes, String[] labels) {
        Dim r = find(d);
        if (r.layout != null) throw new IllegalStateException("already composite");
        List<Dim> parts = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            String n = r.name == null ? null : r.name + "." + (labels != null ? labels[i] : "p" + i);
            Dim p = fresh(sizes[i], n);
            p.channel = r.channel;
            p.data = r.data;
            if (r.locks != null) for (String l : r.locks) p.addLock(l);
            if (r.mixing != null) for (String m : r.mixing) p.addMixing(m);
            parts.add(p);
        }
        r.layout = layout;
        r.parts = parts;
        r.locks = null;
        r.mixing = null;
        return parts;
    }

    /** Leaves of a product, outer to inner, skipping size-1 leaves; sums stay atoms. */
    public static void productAtoms(Dim d, List<Dim> out) { atoms(d, Dim.Layout.PRODUCT, out, 1); }

    /**
     * Unifies two dimensions. Returns false (and locks both) when they cannot be the same
     * (different sizes or incompatible layouts).
     */
    public boolean unify(Dim a, Dim b, String where) {
        Dim ra = find(a), rb = find(b);
        if (ra == rb) return true;
        if (where != null) ties.add(new Tie(a, b, where));
        if (ra.size >= 0 && rb.size >= 0 && ra.size != rb.size) {
            String reason = "channel sizes " + ra.size + " and " + rb.size + " meet at node '" + where + "'";
            lock(ra, reason);
            lock(rb, reason);
            return false;
        }
        if (ra.layout == null && rb.layout == null) {
            link(ra, rb);
            return true;
        }
        if (ra.layout != null && rb.layout != null && (contains(ra, rb) || contains(rb, ra))) {
            List<Dim> la = new ArrayList<>(), lb = new ArrayList<>();
            productAtoms(ra, la);
            productAtoms(rb, lb);
            if (la.equals(lb)) return true;
            String reason = "a dimension meets a layout containing itself at node '" + where + "'";
            lock(ra, reason);
            lock(rb, reason);
            return false;
        }
        if (ra.layout == null || rb.layout == null) {
            Dim leaf = ra.layout == null ? ra : rb;
            Dim comp = leaf == ra ? rb : ra;
            if (contains(comp, leaf)) {
                List<Dim> atoms = new ArrayList<>();
                productAtoms(comp, atoms);
                if (comp.layout == Dim.Layout.PRODUCT && atoms.size() == 1 && atoms.get(0) == leaf) return true;
                String reason = "a dimension meets a layout containing itself at node '" + where + "'";
                lock(comp, reason);
                return false;
            }
            pushDown(leaf, comp);
            leaf.parent = comp;
            if (comp.size < 0) comp.size = leaf.size;
            return true;
        }
        if (ra.layout == rb.layout && ra.parts.size() == rb.parts.size()) {
            boolean sameSizes = true;
            for (int i = 0; i < ra.parts.size(); i++) {
                if (ra.parts.get(i).size() != rb.parts.get(i).size()) sameSizes = false;
            }
            if (sameSizes) {
                List<Dim> pa = ra.parts, pb = rb.parts;
                Dim keep = ra.id < rb.id ? ra : rb;
                Dim gone = keep == ra ? rb : ra;
                gone.parent = keep;
                boolean ok = true;
                for (int i = 0; i < pa.size(); i++) ok &= unify(pa.get(i), pb.get(i), where);
                return ok;
            }
        }
        if (ra.layout == Dim.Layout.PRODUCT && rb.layout == Dim.Layout.PRODUCT) {
            List<Dim> la = new ArrayList<>(), lb = new ArrayList<>();
            productAtoms(ra, la);
            productAtoms(rb, lb);
            long[] sizes = new long[lb.size()];
            for (int i = 0; i < sizes.length; i++) sizes[i] = lb.get(i).size();
            List<Dim> grouped = groupAtoms(la, sizes, where);
            if (grouped != null) {
                boolean ok = true;
                for (int i = 0; i < grouped.size(); i++) ok &= unify(grouped.get(i), lb.get(i), where);
                Dim keep = ra.id < rb.id ? ra : rb;
                (keep == ra ? rb : ra).parent = keep;
                return ok;
            }
        }
        if (ra.layout == Dim.Layout.SUM && rb.layout == Dim.Layout.SUM && refineSums(ra, rb, where)) {
            return true;
        }
        if (ra.layout != rb.layout && splitOuterFactor(ra.layout == Dim.Layout.SUM ? ra : rb,
                ra.layout == Dim.Layout.SUM ? rb : ra, where)) {
            return true;
        }
        String reason = "incompatible channel layouts meet at node '" + where + "'";
        lock(ra, reason);
        lock(rb, reason);
        return false;
    }

    private static void sumAtoms(Dim d, List<Dim> out) { atoms(d, Dim.Layout.SUM, out, 0); }

    /**
     * A sum (a Slice's or Split's pieces) meets a product outer × inner (a channel shuffle's output, channel i of
     * part j at position i·k + j): when every piece is a whole number of inner blocks, the outer factor is cut into
     * the matching runs and piece r becomes run r × inner, i.e. outer × inner = Σ (run_r × inner). The pieces
     * then follow the same channels as the product; false (nothing changed) when a piece cuts an inner block.
     */
    private boolean splitOuterFactor(Dim sum, Dim prod, String where) {
        List<Dim> atoms = new ArrayList<>();
        productAtoms(prod, atoms);
        if (atoms.size() < 2) return false;
        long inner = 1;
        for (int i = 1; i < atoms.size(); i++) {
            long s = atoms.get(i).size();
            if (s <= 0) return false;
            inner *= s;
        }
        List<Dim> pieces = new ArrayList<>();
        sumAtoms(sum, pieces);
        long[] runs = new long[pieces.size()];
        for (int i = 0; i < runs.length; i++) {
            long s = pieces.get(i).size();
            if (s <= 0 || s % inner != 0) return false;
            runs[i] = s / inner;
        }
        Dim outer = atoms.get(0);
        long total = 0;
        for (long r : runs) total += r;
        if (outer.size() != total) return false;
        List<Dim> outerRuns = new ArrayList<>();
        for (int i = 0; i < runs.length; i++) outerRuns.add(fresh(runs[i], find(pieces.get(i)).name));
        if (!unify(outer, composite(Dim.Layout.SUM, outerRuns), where)) return false;
        // the sum stays the root: its pieces become the products
        prod.parent = sum;
        boolean ok = true;
        for (int i = 0; i < runs.length; i++) {
            List<Dim> f = new ArrayList<>();
            f.add(outerRuns.get(i));
            f.addAll(atoms.subList(1, atoms.size()));
            ok &= unify(pieces.get(i), composite(Dim.Layout.PRODUCT, f), where);
        }
        return ok;
    }

    private boolean refineSums(Dim ra, Dim rb, String where) {
        List<Dim> pa = new ArrayList<>(), pb = new ArrayList<>();
        sumAtoms(ra, pa);
        sumAtoms(rb, pb);
        for (Dim p : pa) if (p.size() < 0) return false;
        for (Dim p : pb) if (p.size() < 0) return false;
        int i = 0, j = 0;
        List<Dim[]> pairs = new ArrayList<>();
        while (i < pa.size() && j < pb.size()) {
            Dim x = pa.get(i), y = pb.get(j);
            long sx = x.size(), sy = y.size();
            if (sx == sy) { pairs.add(new Dim[] {x, y}); i++; j++; continue; }
            Dim big = sx > sy ? x : y;
            long small = Math.min(sx, sy);
            if (!isLeaf(big)) return false;
            List<Dim> split = decompose(big, Dim.Layout.SUM, new long[] {small, big.size() - small}, new String[] {"a", "b"});
            if (big == x) { pa.set(i, split.get(0)); pa.add(i + 1, split.get(1)); }
            else { pb.set(j, split.get(0)); pb.add(j + 1, split.get(1)); }
        }
        if (i != pa.size() || j != pb.size()) return false;
        Dim keep = ra.id < rb.id ? ra : rb;
        Dim gone = keep == ra ? rb : ra;
        gone.parent = keep;
        for (Dim[] p : pairs) unify(p[0], p[1], where);
        return true;
    }

    /**
     * Groups product atoms (outer to inner) into consecutive runs whose sizes are the targets, splitting an
     * atom into (outer, inner) factors when a target needs only part of it. Null when impossible.
     */
    public List<Dim> groupAtoms(List<Dim> atoms, long[] targets, String where) {
        List<Dim> queue = new ArrayList<>(atoms);
        List<Dim> out = new ArrayList<>();
        int q = 0;
        for (long t : targets) {
            if (t < 0) return null;
            List<Dim> run = new ArrayList<>();
            long prod = 1;
            while (prod < t) {
                if (q >= queue.size()) return null;
                Dim a = queue.get(q);
                long s = a.size();
                if (s < 0) return null;
                if (prod * s <= t) {
                    run.add(a);
                    prod *= s;
                    q++;
                } else {
                    long need = t / prod;
                    if (t % prod != 0 || s % need != 0 || !isLeaf(a)) return null;
                    List<Dim> f = decompose(a, Dim.Layout.PRODUCT, new long[] {need, s / need}, new String[] {"outer", "inner"});
                    run.add(f.get(0));
                    prod *= need;
                    queue.set(q, f.get(1));
                }
            }
            if (prod != t) return null;
            out.add(run.isEmpty() ? fresh(1, null) : composite(Dim.Layout.PRODUCT, run));
        }
        while (q < queue.size()) {
            if (queue.get(q).size() != 1) return null;
            q++;
        }
        return out;
    }

    /** Splits d into factors of the given sizes (outer to inner); reuses d when only one factor is > 1. */
    public List<Dim> factor(Dim d, long[] sizes, String[] labels, String where) {
        int big = -1, count = 0;
        for (int i = 0; i < sizes.length; i++) if (sizes[i] != 1) { big = i; count++; }
        if (count <= 1) {
            List<Dim> r = new ArrayList<>();
            for (int i = 0; i < sizes.length; i++) r.add(i == big ? d : fresh(1, null));
            if (count == 0) unify(d, r.get(0), where);
            return r;
        }
        Dim root = find(d);
        if (root.layout == null) return decompose(root, Dim.Layout.PRODUCT, sizes, labels);
        if (root.layout == Dim.Layout.SUM && sizes.length == 2 && sizes[0] > 1 && sizes[1] > 0
                && !(sizes[0] == root.parts.size() && allOfSize(root.parts, sizes[1]))) {
            // uneven parts (split [16, 32, 48] concatenated, then 2 groups of 48): refine the parts into the common
            // partition; the same positions go in every run of sizes[1]
            List<Dim> runs = runs(root, sizes[0], sizes[1]);
            if (runs == null) return null;
            for (int i = 1; i < runs.size(); i++) if (!unify(runs.get(0), runs.get(i), where)) return null;
            Dim branch = fresh(sizes[0], null);
            branch.addLock("the " + sizes[0] + " runs of concatenated parts are not channels at node '" + where + "'");
            return List.of(branch, runs.get(0));
        }
        if (root.layout == Dim.Layout.SUM && sizes.length == 2 && sizes[0] == root.parts.size()) {
            // k equal parts seen as k × part (channel shuffle of concatenated branches): the same
            // positions go in every part, so the parts are coupled
            for (Dim p : root.parts) if (p.size() != sizes[1]) return null;
            for (int i = 1; i < root.parts.size(); i++) if (!unify(root.parts.get(0), root.parts.get(i), where)) return null;
            List<Dim> r = new ArrayList<>();
            Dim branch = fresh(sizes[0], where + "/shuffle");
            // which concatenated part: the concatenation itself does not follow this index
            branch.addLock("the " + sizes[0] + " concatenated parts are interleaved (channel shuffle) at node '" + where + "'");
            r.add(branch);
            r.add(root.parts.get(0));
            return r;
        }
        if (root.layout != Dim.Layout.PRODUCT) return null;
        List<Dim> atoms = new ArrayList<>();
        productAtoms(root, atoms);
        return groupAtoms(atoms, sizes, where);
    }

    private static boolean allOfSize(List<Dim> parts, long size) {
        for (Dim p : parts) if (p.size() != size) return false;
        return true;
    }

    /**
     * The sum atoms of d cut into {@code count} consecutive runs of {@code size} positions each, splitting a leaf
     * atom that crosses a run boundary; null when an atom of unknown size or a product crosses one.
     */
    private List<Dim> runs(Dim d, long count, long size) {
        List<Dim> atoms = new ArrayList<>();
        sumAtoms(d, atoms);
        List<Dim> out = new ArrayList<>();
        List<Dim> run = new ArrayList<>();
        long filled = 0;
        for (int i = 0; i < atoms.size(); i++) {
            Dim a = atoms.get(i);
            long s = a.size();
            if (s < 0) return null;
            if (filled + s > size) {
                if (!isLeaf(a)) return null;
                List<Dim> cut = decompose(a, Dim.Layout.SUM, new long[] {size - filled, s - (size - filled)}, new String[] {"a", "b"});
                atoms.set(i, cut.get(0));
                atoms.add(i + 1, cut.get(1));
                a = cut.get(0);
                s = a.size();
            }
            run.add(a);
            filled += s;
            if (filled == size) {
                out.add(run.size() == 1 ? run.get(0) : composite(Dim.Layout.SUM, run));
                run = new ArrayList<>();
                filled = 0;
            }
        }
        return filled == 0 && run.isEmpty() && out.size() == count ? out : null;
    }

    /** True when x (a root) is comp or lies anywhere under it; iterative. */
    private static boolean contains(Dim comp, Dim x) {
        java.util.Set<Dim> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.ArrayDeque<Dim> stack = new java.util.ArrayDeque<>();
        stack.push(comp);
        while (!stack.isEmpty()) {
            Dim r = find(stack.pop());
            if (r == x) return true;
            if (r.layout == null || !seen.add(r)) continue;
            for (Dim p : r.parts) stack.push(p);
        }
        return false;
    }

    private void pushDown(Dim leaf, Dim comp) {
        for (Dim r : leaves(comp)) pushDown1(leaf, r);
    }

    private static void pushDown1(Dim leaf, Dim r) {
        r.channel |= leaf.channel;
        r.data |= leaf.data;
        if (r.name == null) r.name = leaf.name;
        if (leaf.locks != null) for (String l : leaf.locks) r.addLock(l);
        if (leaf.mixing != null) for (String m : leaf.mixing) r.addMixing(m);
    }

    private void link(Dim a, Dim b) {
        Dim keep = a.id < b.id ? a : b;
        Dim gone = keep == a ? b : a;
        gone.parent = keep;
        if (keep.size < 0) keep.size = gone.size;
        keep.channel |= gone.channel;
        keep.data |= gone.data;
        if (keep.name == null || (!keep.channel && gone.channel && gone.name != null)) {
            if (gone.name != null) keep.name = gone.name;
        }
        if (gone.locks != null) for (String l : gone.locks) keep.addLock(l);
        if (gone.mixing != null) for (String m : gone.mixing) keep.addMixing(m);
    }
}
