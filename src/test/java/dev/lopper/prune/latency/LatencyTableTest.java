package dev.lopper.prune.latency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lopper.task.Progress;

/** The latency table's cache: round trip, sharing, and refusal of another machine's or a damaged file. */
class LatencyTableTest {
    @TempDir
    Path tmp;

    static LayerSpec conv(int cin, int cout, LayerSpec.Vary vary) {
        return new LayerSpec("Conv", vary, cin, cout, 1, 14, 14, new long[] {3, 3}, new long[] {1, 1}, new long[] {1, 1, 1, 1},
                new long[] {1, 1}, 1, true);
    }

    /** ms = count / 10 + (cin of the signature) / 1000, and every call is recorded. */
    static final class CountingTimer implements LayerTimer {
        final List<String> calls = new ArrayList<>();

        @Override
        public double[] time(Timed spec, int[] counts, Progress progress) {
            double[] t = new double[counts.length];
            for (int i = 0; i < counts.length; i++) {
                calls.add(spec.signature() + " @" + counts[i]);
                t[i] = counts[i] / 10.0 + ((LayerSpec) spec).cin() / 1000.0;
            }
            return t;
        }
    }

    @Test
    void roundTripMeasuresOnlyWhatIsMissing() throws Exception {
        Path f = tmp.resolve("latency").resolve("m.json");
        CountingTimer timer = new CountingTimer();
        LatencyTable t = new LatencyTable(f, "cpu X; 1 thread", timer);
        LayerSpec a = conv(64, 64, LayerSpec.Vary.OUT);
        assertArrayEquals(new double[] {3.264, 4.064}, t.latencies(a, new int[] {32, 40}, Progress.NONE), 1e-12);
        assertArrayEquals(new double[] {3.264, 3.664}, t.latencies(a, new int[] {32, 36}, Progress.NONE), 1e-12);
        assertEquals(3, timer.calls.size());           // 32 was shared
        // an equal layer elsewhere (same signature) shares the measurement; another size does not
        t.latencies(conv(64, 64, LayerSpec.Vary.OUT), new int[] {36}, Progress.NONE);
        t.latencies(conv(128, 64, LayerSpec.Vary.OUT), new int[] {36}, Progress.NONE);
        assertEquals(4, timer.calls.size());
        assertEquals(4, t.measured());
        t.save();
        assertTrue(Files.isRegularFile(f));

        LayerTimer refuse = (s, c, p) -> { throw new AssertionError("measured again: " + s); };
        LatencyTable again = new LatencyTable(f, "cpu X; 1 thread", refuse);
        assertEquals(4, again.size());
        assertArrayEquals(new double[] {3.264, 3.664, 4.064}, again.latencies(a, new int[] {32, 36, 40}, Progress.NONE), 1e-12);
        assertEquals(0, again.measured());

        // another machine (CPU, cores, ORT version or threads) does not reuse it
        CountingTimer other = new CountingTimer();
        LatencyTable elsewhere = new LatencyTable(f, "cpu X; 2 threads", other);
        assertEquals(0, elsewhere.size());
        elsewhere.latencies(a, new int[] {32}, Progress.NONE);
        assertEquals(1, other.calls.size());
    }

    @Test
    void damagedFileIsMeasuredAgainNotTrusted() throws Exception {
        Path f = tmp.resolve("m.json");
        Files.writeString(f, "{\"version\":1,\"machine\":\"m\",\"ms\":{\"Conv @32\": -1}}");
        assertEquals(0, new LatencyTable(f, "m", new CountingTimer()).size());
        Files.writeString(f, "{\"version\":1,\"machine\":\"m\",\"ms\":{");
        assertEquals(0, new LatencyTable(f, "m", new CountingTimer()).size());
        Files.writeString(f, "{\"version\":2,\"machine\":\"m\",\"ms\":{\"Conv @32\": 1.5}}");
        assertEquals(0, new LatencyTable(f, "m", new CountingTimer()).size());
        Files.writeString(f, "{\"version\":1,\"machine\":\"m\",\"ms\":{\"Conv @32\": 1.5}}");
        assertEquals(1, new LatencyTable(f, "m", new CountingTimer()).size());
    }

    @Test
    void machineKeyNamesThreadsAndRuntime() {
        String one = LatencyTable.machine(1), two = LatencyTable.machine(2);
        assertTrue(one.contains("ONNX Runtime ") && one.endsWith("1 intra-op thread"), one);
        assertTrue(two.endsWith("2 intra-op threads"), two);
        assertEquals(16, LatencyTable.key(one).length());
        assertTrue(!LatencyTable.key(one).equals(LatencyTable.key(two)));
    }
}
