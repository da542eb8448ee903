package dev.lopper.analysis.rules;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.lopper.analysis.AnalysisContext;
import dev.lopper.analysis.Dim;
import dev.lopper.analysis.OpRule;
import dev.lopper.analysis.ParamSlice.Role;
import dev.lopper.graph.Node;

/**
 * Einsum: every index letter is one dimension, so all axes carrying the same letter are coupled (a size-1
 * occurrence broadcasts and is not) and the output axes are the letters' dims. This covers attention
 * ({@code bhqd,bhkd->bhqk}, {@code bhqk,bhkd->bhqd}), projections ({@code bsh,hd->bsd}, {@code bsh,oh->bso},
 * into heads {@code bsd,dhk->bshk}) and per-channel scales ({@code bchw,c->bchw}); removing a channel of a contracted
 * letter removes its terms from the sum, as MatMul. With two operands, a constant operand is a weight: its letters
 * that reach the output but not the other operand start groups (output features), its contracted letters end them,
 * and letters shared by all three are per-channel. An ellipsis must have the same rank in every operand. A letter
 * repeated within one operand (a diagonal or trace) or a malformed equation locks the node with the reason.
 */
public final class EinsumRule implements OpRule {
    @Override
    public void apply(Node n, AnalysisContext ctx) {
        String eq = n.attrString("equation", "").replace(" ", "");
        String[] io = eq.split("->", -1);
        if (io.length > 2) throw fail(n, eq, "more than one '->'");
        String[] terms = io[0].split(",", -1);
        int inputs = 0;
        for (String in : n.inputs()) if (!in.isEmpty()) inputs++;
        if (terms.length != inputs) throw fail(n, eq, terms.length + " operand terms for " + inputs + " inputs");
        Map<Character, Dim> letter = new LinkedHashMap<>();
        Map<Character, Integer> count = new LinkedHashMap<>();
        List<Dim> ellipsis = null;
        List<List<Character>> termLetters = new ArrayList<>();
        for (int k = 0; k < terms.length; k++) {
            Dim[] x = ctx.require(n, k);
            String term = terms[k];
            String plain = term.replace("...", "");
            if (term.indexOf("...") != term.lastIndexOf("...")) throw fail(n, eq, "two ellipses in one operand");
            for (char c : plain.toCharArray()) if (!Character.isLetter(c)) throw fail(n, eq, "unexpected '" + c + "'");
            int ellRank = x.length - plain.length();
            if (ellRank < 0 || (ellRank > 0 && !term.contains("..."))) throw fail(n, eq, "operand " + k + " has rank " + x.length);
            List<Character> seen = new ArrayList<>();
            int pos = 0;
            for (int i = 0; i < term.length(); i++) {
                if (term.startsWith("...", i)) {
                    List<Dim> e = new ArrayList<>();
                    for (int j = 0; j < ellRank; j++) e.add(x[pos + j]);
                    if (ellipsis == null) ellipsis = e;
                    else if (ellipsis.size() != e.size()) throw fail(n, eq, "ellipses of different ranks");
                    else for (int j = 0; j < e.size(); j++) unifyUnlessOne(ellipsis, j, e.get(j), ctx, n);
                    pos += ellRank;
                    i += 2;
                    continue;
                }
                char c = term.charAt(i);
                if (seen.contains(c)) throw fail(n, eq, "letter '" + c + "' repeats within operand " + k + " (diagonal)");
                seen.add(c);
                count.merge(c, 1, Integer::sum);
                Dim d = x[pos++];
                Dim prev = letter.get(c);
                if (prev == null || (prev.size() == 1 && d.size() != 1)) letter.put(c, d);
                if (prev != null && prev.size() != 1 && d.size() != 1) ctx.unify(prev, d, n.name());
            }
            termLetters.add(seen);
        }
        String out;
        if (io.length == 2) out = io[1];
        else {
            StringBuilder o = new StringBuilder(ellipsis != null ? "..." : "");
            count.keySet().stream().filter(c -> count.get(c) == 1).sorted().forEach(o::append);
            out = o.toString();
        }
        List<Dim> outDims = new ArrayList<>();
        List<Character> outLetters = new ArrayList<>();
        for (int i = 0; i < out.length(); i++) {
            if (out.startsWith("...", i)) {
                if (ellipsis == null) throw fail(n, eq, "an output ellipsis without an input one");
                outDims.addAll(ellipsis);
                i += 2;
                continue;
            }
            char c = out.charAt(i);
            Dim d = letter.get(c);
            if (d == null) throw fail(n, eq, "output letter '" + c + "' is in no operand");
            if (outLetters.contains(c)) throw fail(n, eq, "letter '" + c + "' repeats in the output");
            outLetters.add(c);
            outDims.add(d);
        }
        if (terms.length == 2) {
            for (int w = 0; w < 2; w++) {
                if (!ctx.isWeight(n.input(w))) continue;
                List<Character> mine = termLetters.get(w), other = termLetters.get(1 - w);
                String wt = n.input(w);
                int ell = ctx.dims(wt) == null ? 0 : ctx.dims(wt).length - mine.size();
                int pos = 0;
                String term = terms[w];
                for (int i = 0; i < term.length(); i++) {
                    if (term.startsWith("...", i)) { pos += ell; i += 2; continue; }
                    char c = term.charAt(i);
                    boolean inOut = outLetters.contains(c), inOther = other.contains(c);
                    Dim d = letter.get(c);
                    if (inOut && !inOther) {
                        if (d.size() > 1) ctx.channel(d, n.name() + "/out" + (countOut(mine, other, outLetters) > 1 ? "." + c : ""));
                        ctx.role(wt, pos, Role.PRODUCER_WEIGHT, n);
                    } else if (!inOut && inOther) {
                        ctx.role(wt, pos, Role.CONSUMER_WEIGHT, n);
                    } else if (d.size() > 1) {
                        ctx.role(wt, pos, Role.PER_CHANNEL, n);
                    }
                    pos++;
                }
            }
        }
        ctx.setDims(n.output(0), outDims.toArray(Dim[]::new));
    }

    private static int countOut(List<Character> mine, List<Character> other, List<Character> out) {
        int k = 0;
        for (char c : mine) if (out.contains(c) && !other.contains(c)) k++;
        return k;
    }

    private static void unifyUnlessOne(List<Dim> ell, int j, Dim d, AnalysisContext ctx, Node n) {
        Dim p = ell.get(j);
        if (p.size() == 1) ell.set(j, d);
        else if (d.size() != 1) ctx.unify(p, d, n.name());
    }

    private static RuleFailure fail(Node n, String eq, String why) {
        return new RuleFailure("Einsum equation '" + eq + "' not supported (" + why + ") at node '" + n.name() + "'");
    }
}
