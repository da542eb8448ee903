package dev.lopper.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.lopper.onnx.ModelReader;
import dev.lopper.onnx.OnnxModel;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/** `lopper prune --save-index-map MAP.json`: slicing the original initializers by the map gives the pruned model's. */
class IndexMapCommandTest {
    @TempDir
    Path tmp;

    /** Slices a row-major tensor of {@code dims} to the kept indices of each axis in {@code kept}. */
    static double[] slice(double[] v, long[] dims, Map<Integer, int[]> kept, long[] outDims) {
        int rank = dims.length;
        int[][] idx = new int[rank][];
        for (int a = 0; a < rank; a++) {
            int[] k = kept.get(a);
            if (k == null) {
                k = new int[(int) dims[a]];
                for (int i = 0; i < k.length; i++) k[i] = i;
            }
            idx[a] = k;
            outDims[a] = k.length;
        }
        int n = 1;
        for (long d : outDims) n *= (int) d;
        double[] out = new double[n];
        int[] pos = new int[rank];
        for (int o = 0; o < n; o++) {
            int src = 0;
            for (int a = 0; a < rank; a++) src = (int) (src * dims[a] + idx[a][pos[a]]);
            out[o] = v[src];
            for (int a = rank - 1; a >= 0; a--) {
                if (++pos[a] < outDims[a]) break;
                pos[a] = 0;
            }
        }
        return out;
    }

    private int check(Path original, Path pruned, Path map) throws Exception {
        OnnxModel a = ModelReader.read(original), b = ModelReader.read(pruned);
        JsonNode inits = new ObjectMapper().readTree(map.toFile()).get("initializers");
        Map<String, TensorProto> after = new HashMap<>();
        for (TensorProto t : b.proto().getGraph().getInitializerList()) after.put(t.getName(), t);
        int sliced = 0, compared = 0;
        for (TensorProto t : a.proto().getGraph().getInitializerList()) {
            JsonNode e = inits.get(t.getName());
            long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
            assertEquals(dims.length, e.get("shape").size(), t.getName());
            Map<Integer, int[]> kept = new HashMap<>();
            for (Iterator<String> it = e.get("kept").fieldNames(); it.hasNext(); ) {
                String axis = it.next();
                JsonNode arr = e.get("kept").get(axis);
                int[] k = new int[arr.size()];
                for (int i = 0; i < k.length; i++) k[i] = arr.get(i).asInt();
                kept.put(Integer.parseInt(axis), k);
            }
            TensorProto p = after.get(t.getName());
            if (p == null) {
                assertTrue(kept.isEmpty(), t.getName() + " was sliced but is gone");
                continue;
            }
            long[] outDims = new long[dims.length];
            double[] expect = slice(a.tensor(t).toDoubleArray(), dims, kept, outDims);
            assertArrayEquals(outDims, p.getDimsList().stream().mapToLong(Long::longValue).toArray(), t.getName());
            assertArrayEquals(expect, b.tensor(p).toDoubleArray(), 0.0, t.getName());
            compared++;
            if (!kept.isEmpty()) sliced++;
        }
        assertTrue(compared > 0);
        return sliced;
    }

    @Test
    void slicingTheOriginalInitializersByTheMapGivesThePrunedModelsExactly() throws Exception {
        Path digits = Path.of("samples/digits_cnn.onnx"), encoder = Path.of("samples/tiny_encoder.onnx");
        Path out = tmp.resolve("d.onnx"), map = tmp.resolve("d.map.json");
        CliRun r = CliRun.of("prune", digits.toString(), "--ratio", "0.5", "--round-to", "1", "-o", out.toString(),
                "--save-index-map", map.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(map.toString(), new ObjectMapper().readTree(r.out()).get("savedIndexMap").asText());
        // 8 convs, 8 BatchNorms × 4 and the classifier weight: 41 initializers cut, the classifier bias not
        assertEquals(41, check(digits, out, map));
        JsonNode j = new ObjectMapper().readTree(map.toFile());
        assertEquals("lopper-index-map", j.get("format").asText());
        // the stem (4 groups × 6 for the grouped branch_b conv) keeps half its real axis: 4 × 3 = 12 of 24
        assertEquals(12, j.get("initializers").get("stem.0.weight").get("kept").get("0").size());
        assertEquals(0, j.get("initializers").get("fc.bias").get("kept").size());

        Path eo = tmp.resolve("e.onnx"), em = tmp.resolve("e.map.json");
        CliRun e = CliRun.of("prune", encoder.toString(), "--ratio", "0.5", "--round-to", "1", "-o", eo.toString(),
                "--save-index-map", em.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(check(encoder, eo, em) > 10);
    }

    @Test
    void anIndexMapAloneNeedsNoOutputModelAndNeverOverwritesTheInput() throws Exception {
        Path map = tmp.resolve("only.json");
        CliRun r = CliRun.of("prune", "samples/digits_cnn.onnx", "--ratio", "0.25", "--save-index-map", map.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.size(map) > 100);
        CliRun bad = CliRun.of("prune", "samples/digits_cnn.onnx", "--ratio", "0.25", "--save-index-map", "samples/digits_cnn.onnx");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("refusing to write over the input model"), bad.err());
        assertFalse(Files.exists(tmp.resolve("x")));
    }
}
