package dev.lopper.runtime;

import static dev.lopper.runtime.TinyModels.FLOAT;
import static dev.lopper.runtime.TinyModels.model;
import static dev.lopper.runtime.TinyModels.node;
import static dev.lopper.runtime.TinyModels.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.lopper.onnx.proto.Onnx.AttributeProto;
import dev.lopper.onnx.proto.Onnx.GraphProto;
import dev.lopper.onnx.proto.Onnx.ModelProto;
import dev.lopper.task.Progress;

/** Feeding data to fixed-batch models: padding, cutting, dropping, limits. */
class BatchFeedTest {
    /** {@code rows} samples of one float input "x" of 3 values; sample i holds (i, 10 i, 100 i). */
    static Dataset rows(int rows) {
        return new Dataset() {
            int next;

            @Override public String source() { return "rows"; }
            @Override public boolean hasLabels() { return false; }
            @Override public long sampleCount() { return rows; }
            @Override public void close() { }

            @Override
            public Batch next(int max) {
                if (next >= rows) return null;
                int n = Math.min(max, rows - next);
                float[] v = new float[n * 3];
                List<String> origins = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    int s = next + i;
                    v[i * 3] = s;
                    v[i * 3 + 1] = 10 * s;
                    v[i * 3 + 2] = 100 * s;
                    origins.add("row " + s);
                }
                next += n;
                return new Batch(Map.of("x", HostTensor.ofFloats(new long[] {n, 3}, v)), null, origins);
            }
        };
    }

    /** x float[2, 3] (fixed batch 2) → Relu → "r" [2, 3], and Transpose → "t" [3, 2] (batch no longer dim 0). */
    static ModelProto fixedTwo() {
        return model(GraphProto.newBuilder()
                .addInput(value("x", FLOAT, 2, 3))
                .addNode(node("Relu", "relu", List.of("x"), List.of("r")))
                .addNode(node("Transpose", "tr", List.of("r"), List.of("t"),
                        AttributeProto.newBuilder().setName("perm").setType(AttributeProto.AttributeType.INTS).addInts(1).addInts(0).build()))
                .addOutput(value("t", FLOAT, 3, 2)));
    }

    @Test
    void thePaddedRowsOfAFixedBatchNeverReachTheStatistics() {
        ModelSource src = ModelSource.of(fixedTwo(), null, "fixed2");
        try (ActivationCapture cap = ActivationCapture.open(src, List.of(CaptureRequest.of("r", 1)), SessionConfig.DEFAULT)) {
            BatchFeed.Summary s = cap.accumulate(rows(5), 32, Long.MAX_VALUE, Progress.NONE);
            // batches of 2: rows 0-1, 2-3, then row 4 padded with one copy of itself, cut before counting
            assertEquals(new BatchFeed.Summary(5, 2, true, 1, 0), s);
            ChannelStats st = cap.statistics().get("r");
            assertEquals(5, st.count());
            assertArrayEquals(new double[] {2, 20, 200}, st.mean(), 1e-9); // mean of 0..4, not (0+1+2+3+4+4)/6
        }
    }

    @Test
    void aPaddedBatchWhoseTensorsCannotBeCutIsDroppedAndSaid() {
        ModelSource src = ModelSource.of(fixedTwo(), null, "fixed2");
        try (ActivationCapture cap = ActivationCapture.open(src, List.of(CaptureRequest.of("t", 0)), SessionConfig.DEFAULT)) {
            BatchFeed.Summary s = cap.accumulate(rows(5), 32, Long.MAX_VALUE, Progress.NONE);
            assertEquals(new BatchFeed.Summary(4, 2, true, 0, 1), s);
            assertEquals(4, cap.statistics().get("t").count());
            assertArrayEquals(new double[] {1.5, 15, 150}, cap.statistics().get("t").mean(), 1e-9);
            assertEquals("4 samples in batches of 2 (the model's fixed batch); 1 sample of a padded batch dropped"
                    + " (a captured tensor's dim 0 is not the batch)", s.describe());
        }
    }

    @Test
    void limitsAndInconsistentFixedBatches() {
        ModelSource src = ModelSource.of(fixedTwo(), null, "fixed2");
        try (ActivationCapture cap = ActivationCapture.open(src, List.of(CaptureRequest.of("r", 1)), SessionConfig.DEFAULT)) {
            assertEquals(new BatchFeed.Summary(3, 2, true, 1, 0), cap.accumulate(rows(100), 32, 3, Progress.NONE));
            assertArrayEquals(new double[] {1, 10, 100}, cap.statistics().get("r").mean(), 1e-9);
        }
        List<TensorSpec> specs = List.of(new TensorSpec("a", FLOAT, new long[] {2, 3}, null),
                new TensorSpec("b", FLOAT, new long[] {4, 3}, null));
        EvalException e = assertThrows(EvalException.class, () -> BatchFeed.fixedBatch(specs, "m.onnx"));
        assertEquals("m.onnx: inputs 'a' and 'b' have different fixed batch dims (2 and 4); cannot feed data to it", e.getMessage());
    }
}
