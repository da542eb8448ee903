package dev.lopper.graph.layout;

import java.util.Arrays;

import dev.lopper.task.Progress;

/**
 * A layered (Sugiyama-style) top-to-bottom layout: longest-path layering with sources pulled down next
 * to their first consumer, dummy nodes on long edges, barycenter crossing reduction sweeps (the best
 * order seen is kept), and coordinate assignment that places every node as close to the mean of its
 * neighbours as the layer's order and spacing allow (least squares, solved exactly per layer by
 * pool-adjacent-violators). Everything is iterative (no recursion) and near-linear per sweep, so 20k
 * nodes lay out in a few seconds.
 */
public final class LayeredLayout {
    /** Spacing and effort settings. */
    public record Settings(double nodeGap, double dummyGap, double layerGap, int sweeps, int coordinatePasses,
                           long maxDummies) {
        public static final Settings DEFAULT = new Settings(24, 8, 36, 12, 8, 3_000_000);
    }

    private final Settings settings;

    public LayeredLayout() { this(Settings.DEFAULT); }

    public LayeredLayout(Settings settings) { this.settings = settings; }

    public LayoutResult layout(LayoutGraph g, Progress progress) {
        final int n = g.nodeCount();
        progress.update("Layering " + n + " nodes", 0, 5);
        // ---- 1. topological order (Kahn; cycles broken by taking the lowest index left) ----
        int e = g.edgeCount();
        int[] outStart = new int[n + 1];
        for (int i = 0; i < e; i++) outStart[g.edgeSource()[i] + 1]++;
        for (int i = 0; i < n; i++) outStart[i + 1] += outStart[i];
        int[] outEdges = new int[e];
        int[] fill = Arrays.copyOf(outStart, n);
        for (int i = 0; i < e; i++) outEdges[fill[g.edgeSource()[i]]++] = i;
        int[] indeg = new int[n];
        for (int i = 0; i < e; i++) if (g.edgeSource()[i] != g.edgeTarget()[i]) indeg[g.edgeTarget()[i]]++;
        int[] topo = new int[n];
        int[] topoPos = new int[n];
        boolean[] placed = new boolean[n];
        java.util.PriorityQueue<Integer> ready = new java.util.PriorityQueue<>();
        for (int v = 0; v < n; v++) if (indeg[v] == 0) ready.add(v);
        int placedCount = 0;
        int scan = 0;
        while (placedCount < n) {
            int v;
            if (!ready.isEmpty()) {
                v = ready.poll();
                if (placed[v]) continue;
            } else {
                while (placed[scan]) scan++;
                v = scan; // part of a cycle: its remaining in-edges become back edges
            }
            placed[v] = true;
            topoPos[v] = placedCount;
            topo[placedCount++] = v;
            for (int k = outStart[v]; k < outStart[v + 1]; k++) {
                int t = g.edgeTarget()[outEdges[k]];
                if (t != v && !placed[t] && --indeg[t] == 0) ready.add(t);
            }
        }
        progress.checkCancelled();
        boolean[] forward = new boolean[e];
        for (int i = 0; i < e; i++) {
            forward[i] = topoPos[g.edgeSource()[i]] < topoPos[g.edgeTarget()[i]];
        }

        // ---- 2. layering: longest path from sources, sources pulled down to just above their consumers ----
        int[] layer = new int[n];
        int[] inStart = new int[n + 1];
        for (int i = 0; i < e; i++) if (forward[i]) inStart[g.edgeTarget()[i] + 1]++;
        for (int i = 0; i < n; i++) inStart[i + 1] += inStart[i];
        int[] inEdges = new int[inStart[n]];
        fill = Arrays.copyOf(inStart, n);
        for (int i = 0; i < e; i++) if (forward[i]) inEdges[fill[g.edgeTarget()[i]]++] = i;
        for (int idx = 0; idx < n; idx++) {
            int v = topo[idx];
            int l = 0;
            for (int k = inStart[v]; k < inStart[v + 1]; k++) l = Math.max(l, layer[g.edgeSource()[inEdges[k]]] + 1);
            layer[v] = l;
        }
        for (int idx = n - 1; idx >= 0; idx--) {
            int v = topo[idx];
            if (inStart[v + 1] != inStart[v]) continue;
            int min = Integer.MAX_VALUE;
            for (int k = outStart[v]; k < outStart[v + 1]; k++) {
                int i = outEdges[k];
                if (forward[i]) min = Math.min(min, layer[g.edgeTarget()[i]]);
            }
            if (min != Integer.MAX_VALUE && min - 1 > layer[v]) layer[v] = min - 1;
        }
        int layerCount = 0;
        for (int v = 0; v < n; v++) layerCount = Math.max(layerCount, layer[v] + 1);
        progress.update("Adding bends to long edges", 1, 5);
        progress.checkCancelled();

        // ---- 3. dummy nodes: unique forward edges, long ones split into unit-span chains ----
        // Unique (source, target) pairs carry the chain; parallel edges share it.
        long[] pairKey = new long[e];
        int uniqueCount = 0;
        int[] edgePair = new int[e];
        java.util.HashMap<Long, Integer> pairIndex = new java.util.HashMap<>();
        for (int i = 0; i < e; i++) {
            if (!forward[i]) { edgePair[i] = -1; continue; }
            long key = ((long) g.edgeSource()[i] << 32) | g.edgeTarget()[i];
            Integer p = pairIndex.get(key);
            if (p == null) {
                p = uniqueCount;
                pairKey[uniqueCount++] = key;
                pairIndex.put(key, p);
            }
            edgePair[i] = p;
        }
        int[] pairSrc = new int[uniqueCount];
        int[] pairDst = new int[uniqueCount];
        long dummyTotal = 0;
        for (int p = 0; p < uniqueCount; p++) {
            pairSrc[p] = (int) (pairKey[p] >>> 32);
            pairDst[p] = (int) pairKey[p];
            dummyTotal += layer[pairDst[p]] - layer[pairSrc[p]] - 1;
        }
        boolean[] chained = new boolean[uniqueCount];
        if (dummyTotal <= settings.maxDummies()) {
            Arrays.fill(chained, true);
        } else {
            // Too many bends: the shortest edges get chains until the budget is spent; the rest are drawn straight.
            Integer[] bySpan = new Integer[uniqueCount];
            for (int p = 0; p < uniqueCount; p++) bySpan[p] = p;
            Arrays.sort(bySpan, (a, b) -> Integer.compare(layer[pairDst[a]] - layer[pairSrc[a]],
                    layer[pairDst[b]] - layer[pairSrc[b]]));
            long budget = settings.maxDummies();
            dummyTotal = 0;
            for (Integer p : bySpan) {
                int d = layer[pairDst[p]] - layer[pairSrc[p]] - 1;
                if (d > budget) break;
                budget -= d;
                dummyTotal += d;
                chained[p] = true;
            }
        }
        int m = n + (int) dummyTotal;
        int[] vLayer = Arrays.copyOf(layer, m);
        double[] vWidth = new double[m];
        double[] vHeight = new double[m];
        System.arraycopy(g.width(), 0, vWidth, 0, n);
        System.arraycopy(g.height(), 0, vHeight, 0, n);
        int[] pairChainStart = new int[uniqueCount]; // first dummy id of each chained pair
        // virtual unit edges
        int[] uSrc = new int[uniqueCount + (int) dummyTotal];
        int[] uDst = new int[uSrc.length];
        int uCount = 0;
        int nextDummy = n;
        for (int p = 0; p < uniqueCount; p++) {
            if (!chained[p]) { pairChainStart[p] = -1; continue; }
            int s = pairSrc[p];
            int t = pairDst[p];
            int span = layer[t] - layer[s];
            pairChainStart[p] = span > 1 ? nextDummy : -1;
            int prev = s;
            for (int l = layer[s] + 1; l < layer[t]; l++) {
                int d = nextDummy++;
                vLayer[d] = l;
                uSrc[uCount] = prev;
                uDst[uCount++] = d;
                prev = d;
            }
            uSrc[uCount] = prev;
            uDst[uCount++] = t;
        }
        // CSR of up (predecessor) and down (successor) neighbours
        int[] upStart = new int[m + 1];
        int[] downStart = new int[m + 1];
        for (int i = 0; i < uCount; i++) {
            upStart[uDst[i] + 1]++;
            downStart[uSrc[i] + 1]++;
        }
        for (int i = 0; i < m; i++) {
            upStart[i + 1] += upStart[i];
            downStart[i + 1] += downStart[i];
        }
        int[] up = new int[uCount];
        int[] down = new int[uCount];
        int[] fu = Arrays.copyOf(upStart, m);
        int[] fd = Arrays.copyOf(downStart, m);
        for (int i = 0; i < uCount; i++) {
            up[fu[uDst[i]]++] = uSrc[i];
            down[fd[uSrc[i]]++] = uDst[i];
        }
        progress.update("Reducing crossings", 2, 5);
        progress.checkCancelled();

        // ---- 4. initial order: depth-first from the topological order, so chains stay together ----
        int[][] layers = new int[layerCount][];
        int[] layerSize = new int[layerCount];
        for (int v = 0; v < m; v++) layerSize[vLayer[v]]++;
        for (int l = 0; l < layerCount; l++) layers[l] = new int[layerSize[l]];
        Arrays.fill(layerSize, 0);
        boolean[] seen = new boolean[m];
        int[] stack = new int[m];
        for (int idx = 0; idx < n; idx++) {
            int root = topo[idx];
            if (seen[root]) continue;
            int sp = 0;
            stack[sp++] = root;
            seen[root] = true;
            while (sp > 0) {
                int v = stack[--sp];
                layers[vLayer[v]][layerSize[vLayer[v]]++] = v;
                for (int k = downStart[v + 1] - 1; k >= downStart[v]; k--) {
                    int w = down[k];
                    // only descend into dummies and nodes whose predecessors are all placed
                    if (!seen[w] && (w >= n || allUpSeen(w, upStart, up, seen))) {
                        seen[w] = true;
                        stack[sp++] = w;
                    }
                }
            }
        }
        for (int v = 0; v < m; v++) {
            if (!seen[v]) { // dummies whose chain source was placed late; nodes blocked above
                seen[v] = true;
                layers[vLayer[v]][layerSize[vLayer[v]]++] = v;
            }
        }
        int[] pos = new int[m];
        for (int[] row : layers) for (int i = 0; i < row.length; i++) pos[row[i]] = i;

        long best = countCrossings(layers, pos, downStart, down);
        int[][] bestLayers = copy(layers);
        int sweeps = m > 200_000 ? Math.min(settings.sweeps(), 4) : settings.sweeps();
        double[] key = new double[m];
        for (int it = 0; it < sweeps && best > 0; it++) {
            progress.update("Reducing crossings (sweep " + (it + 1) + " of " + sweeps + ")", 2 + it / (double) sweeps, 5);
            progress.checkCancelled();
            for (int l = 1; l < layerCount; l++) sortByBarycenter(layers[l], pos, key, upStart, up);
            for (int l = layerCount - 2; l >= 0; l--) sortByBarycenter(layers[l], pos, key, downStart, down);
            long c = countCrossings(layers, pos, downStart, down);
            if (c < best) {
                best = c;
                bestLayers = copy(layers);
            } else if (it > 2 && c >= best) {
                // restart from the best order once sweeps stop helping
                layers = copy(bestLayers);
                for (int[] row : layers) for (int i = 0; i < row.length; i++) pos[row[i]] = i;
                if (it > 4) break;
            }
        }
        layers = bestLayers;
        for (int[] row : layers) for (int i = 0; i < row.length; i++) pos[row[i]] = i;
        progress.update("Placing nodes", 4, 5);
        progress.checkCancelled();

        // ---- 5. coordinates ----
        double[] y = new double[m];
        double top = 0;
        for (int l = 0; l < layerCount; l++) {
            double h = 0;
            for (int v : layers[l]) h = Math.max(h, vHeight[v]);
            for (int v : layers[l]) y[v] = top + h / 2;
            top += h + settings.layerGap();
        }
        double[] x = new double[m];
        for (int[] row : layers) {
            double cursor = 0;
            for (int i = 0; i < row.length; i++) {
                int v = row[i];
                if (i > 0) cursor += separation(row[i - 1], v, vWidth, n);
                x[v] = cursor;
            }
        }
        double[] desired = new double[m];
        int passes = settings.coordinatePasses();
        for (int pass = 0; pass < passes; pass++) {
            progress.checkCancelled();
            int mode = pass < passes - 2 ? pass % 2 : 2; // 0 = from above, 1 = from below, 2 = both
            if (mode == 1) {
                for (int l = layerCount - 1; l >= 0; l--) place(layers[l], x, desired, vWidth, n, mode, upStart, up, downStart, down);
            } else {
                for (int l = 0; l < layerCount; l++) place(layers[l], x, desired, vWidth, n, mode, upStart, up, downStart, down);
            }
        }
        double minX = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        for (int v = 0; v < m; v++) {
            minX = Math.min(minX, x[v] - vWidth[v] / 2);
            maxX = Math.max(maxX, x[v] + vWidth[v] / 2);
        }
        if (m == 0) { minX = 0; maxX = 0; }
        for (int v = 0; v < m; v++) x[v] -= minX;

        // ---- 6. edge polylines ----
        double[][] points = new double[e][];
        for (int i = 0; i < e; i++) {
            int s = g.edgeSource()[i];
            int t = g.edgeTarget()[i];
            if (s == t) continue;
            int p = edgePair[i];
            if (p >= 0 && chained[p] && pairChainStart[p] >= 0) {
                int span = layer[t] - layer[s];
                double[] pts = new double[2 * (span + 1)];
                pts[0] = x[s];
                pts[1] = y[s] + vHeight[s] / 2;
                for (int k = 0; k < span - 1; k++) {
                    int d = pairChainStart[p] + k;
                    pts[2 + 2 * k] = x[d];
                    pts[3 + 2 * k] = y[d];
                }
                pts[2 * span] = x[t];
                pts[2 * span + 1] = y[t] - vHeight[t] / 2;
                points[i] = pts;
            } else if (forward[i]) {
                points[i] = new double[] {x[s], y[s] + vHeight[s] / 2, x[t], y[t] - vHeight[t] / 2};
            } else {
                points[i] = new double[] {x[s], y[s] - vHeight[s] / 2, x[t], y[t] + vHeight[t] / 2};
            }
        }
        int[] order = new int[n];
        for (int v = 0; v < n; v++) order[v] = pos[v];
        progress.update("Layout done", 5, 5);
        return new LayoutResult(Arrays.copyOf(x, n), Arrays.copyOf(y, n), Arrays.copyOf(layer, n), order, points,
                maxX - minX, Math.max(0, top - settings.layerGap()), layerCount, best);
    }

    private static boolean allUpSeen(int w, int[] upStart, int[] up, boolean[] seen) {
        for (int k = upStart[w]; k < upStart[w + 1]; k++) if (!seen[up[k]]) return false;
        return true;
    }

    private double separation(int a, int b, double[] width, int realCount) {
        double gap = (a >= realCount || b >= realCount) ? settings.dummyGap() : settings.nodeGap();
        return width[a] / 2 + width[b] / 2 + gap;
    }

    private static int[][] copy(int[][] layers) {
        int[][] c = new int[layers.length][];
        for (int i = 0; i < layers.length; i++) c[i] = layers[i].clone();
        return c;
    }

    /** Reorders one layer by the mean position of each node's neighbours in the adjacent layer (stable). */
    private static void sortByBarycenter(int[] row, int[] pos, double[] key, int[] start, int[] adj) {
        if (row.length < 2) return;
        for (int v : row) {
            int a = start[v];
            int b = start[v + 1];
            if (a == b) {
                key[v] = pos[v];
            } else {
                double s = 0;
                for (int k = a; k < b; k++) s += pos[adj[k]];
                key[v] = s / (b - a);
            }
        }
        // stable sort: ties keep the current order
        Integer[] boxed = new Integer[row.length];
        for (int i = 0; i < row.length; i++) boxed[i] = row[i];
        Arrays.sort(boxed, (p, q) -> {
            int c = Double.compare(key[p], key[q]);
            return c != 0 ? c : Integer.compare(pos[p], pos[q]);
        });
        for (int i = 0; i < row.length; i++) {
            row[i] = boxed[i];
        }
        for (int i = 0; i < row.length; i++) pos[row[i]] = i;
    }

    /** Crossings between every pair of adjacent layers (Barth–Jünger–Mutzel accumulator tree). */
    static long countCrossings(int[][] layers, int[] pos, int[] downStart, int[] down) {
        long total = 0;
        for (int l = 0; l + 1 < layers.length; l++) {
            int[] upper = layers[l];
            int lowerSize = layers[l + 1].length;
            if (lowerSize < 2 || upper.length == 0) continue;
            // edges sorted by (upper pos, lower pos): iterate upper in order, sort each node's targets
            int count = 0;
            for (int v : upper) count += downStart[v + 1] - downStart[v];
            int[] seq = new int[count];
            int c = 0;
            for (int v : upper) {
                int a = downStart[v];
                int b = downStart[v + 1];
                int from = c;
                for (int k = a; k < b; k++) seq[c++] = pos[down[k]];
                Arrays.sort(seq, from, c);
            }
            int first = 1;
            while (first < lowerSize) first <<= 1;
            int treeSize = 2 * first - 1;
            first -= 1;
            long[] tree = new long[treeSize];
            for (int k = 0; k < count; k++) {
                int index = seq[k] + first;
                tree[index]++;
                while (index > 0) {
                    if ((index & 1) == 1) total += tree[index + 1];
                    index = (index - 1) >> 1;
                    tree[index]++;
                }
            }
        }
        return total;
    }

    /**
     * Places one layer: each node wants the mean x of its neighbours (above, below or both); the layer keeps
     * its order and spacing. Minimises the squared distance to the wishes exactly (isotonic regression).
     */
    private void place(int[] row, double[] x, double[] desired, double[] width, int realCount, int mode,
                       int[] upStart, int[] up, int[] downStart, int[] down) {
        int k = row.length;
        if (k == 0) return;
        double[] weight = new double[k];
        double[] target = new double[k];
        double offset = 0;
        for (int i = 0; i < k; i++) {
            int v = row[i];
            // a real node follows its real neighbours only (a long edge passing by must not drag the main
            // chain sideways); dummies follow whatever they connect to, which keeps long edges straight
            double s = 0;
            int cnt = 0;
            double sd = 0;
            int cntd = 0;
            if (mode != 1) {
                for (int j = upStart[v]; j < upStart[v + 1]; j++) {
                    int u = up[j];
                    if (u < realCount || v >= realCount) { s += x[u]; cnt++; } else { sd += x[u]; cntd++; }
                }
            }
            if (mode != 0) {
                for (int j = downStart[v]; j < downStart[v + 1]; j++) {
                    int u = down[j];
                    if (u < realCount || v >= realCount) { s += x[u]; cnt++; } else { sd += x[u]; cntd++; }
                }
            }
            if (cnt == 0 && cntd > 0) { s = sd; cnt = cntd; }
            desired[v] = cnt == 0 ? x[v] : s / cnt;
            double w = cnt == 0 ? 0.05 : cnt;
            if (v >= realCount) w *= 0.5; // long edges give way to real nodes; chains of bends still line up
            if (i > 0) offset += separation(row[i - 1], v, width, realCount);
            weight[i] = w;
            target[i] = desired[v] - offset;
        }
        // pool adjacent violators: non-decreasing fit of target
        double[] blockValue = new double[k];
        double[] blockWeight = new double[k];
        int[] blockEnd = new int[k];
        int blocks = 0;
        for (int i = 0; i < k; i++) {
            blockValue[blocks] = target[i];
            blockWeight[blocks] = weight[i];
            blockEnd[blocks] = i;
            blocks++;
            while (blocks > 1 && blockValue[blocks - 2] > blockValue[blocks - 1]) {
                double w = blockWeight[blocks - 2] + blockWeight[blocks - 1];
                blockValue[blocks - 2] = (blockValue[blocks - 2] * blockWeight[blocks - 2]
                        + blockValue[blocks - 1] * blockWeight[blocks - 1]) / w;
                blockWeight[blocks - 2] = w;
                blockEnd[blocks - 2] = blockEnd[blocks - 1];
                blocks--;
            }
        }
        offset = 0;
        int b = 0;
        for (int i = 0; i < k; i++) {
            if (i > 0) offset += separation(row[i - 1], row[i], width, realCount);
            while (blockEnd[b] < i) b++;
            x[row[i]] = blockValue[b] + offset;
        }
    }
}
