import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Developer check (not part of the build): loads every .onnx file given (or every one in the folders given)
 * in ONNX Runtime, runs it on seeded random input with batch 2 (dynamic dims: batch 2, others 8), and prints
 * the output shapes; with --digits CSV MODEL it also computes the model's accuracy on the CSV test set.
 *
 *   java -cp ~/.m2/repository/com/microsoft/onnxruntime/onnxruntime/1.28.0/onnxruntime-1.28.0.jar \
 *        samples/scripts/OrtCheck.java src/test/resources/models samples
 *   java -cp ...onnxruntime-1.28.0.jar samples/scripts/OrtCheck.java --digits samples/digits_test.csv samples/digits_cnn.onnx
 *   java -cp ...onnxruntime-1.28.0.jar samples/scripts/OrtCheck.java --tokens samples/tiny_encoder_test.csv samples/tiny_encoder.onnx
 *   java -cp ...onnxruntime-1.28.0.jar samples/scripts/OrtCheck.java --compare REFS_DIR MODELS_DIR
 *       (REFS_DIR from make_test_models.py --refs: torch outputs to match within 1e-4 relative to max |output|)
 */
public class OrtCheck {
    public static void main(String[] args) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        if (args.length == 3 && args[0].equals("--digits")) {
            digits(env, Path.of(args[1]), Path.of(args[2]));
            return;
        }
        if (args.length == 3 && args[0].equals("--tokens")) {
            tokens(env, Path.of(args[1]), Path.of(args[2]));
            return;
        }
        if (args.length == 3 && args[0].equals("--compare")) {
            compare(env, Path.of(args[1]), Path.of(args[2]));
            return;
        }
        List<Path> files = new ArrayList<>();
        for (String a : args) {
            Path p = Path.of(a);
            if (Files.isDirectory(p)) {
                try (var s = Files.list(p)) {
                    s.filter(f -> f.toString().endsWith(".onnx")).sorted().forEach(files::add);
                }
            } else {
                files.add(p);
            }
        }
        int failed = 0;
        for (Path f : files) {
            try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
                o.setIntraOpNumThreads(1);
                try (OrtSession s = env.createSession(f.toString(), o)) {
                    Map<String, OnnxTensor> in = new LinkedHashMap<>();
                    Random r = new Random(42);
                    for (Map.Entry<String, NodeInfo> e : s.getInputInfo().entrySet()) {
                        TensorInfo ti = (TensorInfo) e.getValue().getInfo();
                        long[] shape = ti.getShape().clone();
                        for (int i = 0; i < shape.length; i++) if (shape[i] < 0) shape[i] = i == 0 ? 2 : 8;
                        int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
                        switch (ti.type) {
                            case FLOAT -> {
                                float[] d = new float[n];
                                for (int i = 0; i < n; i++) d[i] = (float) r.nextGaussian();
                                in.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(d), shape));
                            }
                            case INT64 -> {
                                long[] d = new long[n];
                                for (int i = 0; i < n; i++) d[i] = r.nextInt(2);
                                in.put(e.getKey(), OnnxTensor.createTensor(env, LongBuffer.wrap(d), shape));
                            }
                            default -> throw new IllegalStateException("input type " + ti.type);
                        }
                    }
                    StringBuilder sb = new StringBuilder();
                    try (OrtSession.Result res = s.run(in)) {
                        for (Map.Entry<String, OnnxValue> e : res) {
                            TensorInfo ti = (TensorInfo) e.getValue().getInfo();
                            sb.append(' ').append(e.getKey()).append(Arrays.toString(ti.getShape()));
                            if (ti.type == ai.onnxruntime.OnnxJavaType.FLOAT) {
                                FloatBuffer fb = ((OnnxTensor) e.getValue()).getFloatBuffer();
                                while (fb.hasRemaining()) {
                                    float v = fb.get();
                                    if (!Float.isFinite(v)) throw new IllegalStateException("non-finite output");
                                }
                            }
                        }
                    }
                    in.values().forEach(OnnxTensor::close);
                    System.out.println("OK   " + f.getFileName() + sb);
                }
            } catch (Exception ex) {
                failed++;
                System.out.println("FAIL " + f.getFileName() + ": " + ex.getMessage().lines().findFirst().orElse(""));
            }
        }
        System.out.println(files.size() - failed + "/" + files.size() + " ran");
        if (failed > 0) System.exit(1);
    }

    static void compare(OrtEnvironment env, Path refs, Path models) throws Exception {
        List<Path> refFiles;
        try (var s = Files.list(refs)) {
            refFiles = s.filter(f -> f.toString().endsWith(".ref")).sorted().toList();
        }
        int failed = 0;
        for (Path ref : refFiles) {
            String model = ref.getFileName().toString().replaceAll("\\.ref$", "");
            Map<String, OnnxTensor> in = new LinkedHashMap<>();
            Map<String, float[]> expected = new LinkedHashMap<>();
            Map<String, String> expectedShape = new LinkedHashMap<>();
            for (String line : Files.readAllLines(ref)) {
                String[] p = line.split(" ");
                long[] shape = p[3].isEmpty() ? new long[0] : Arrays.stream(p[3].split(",")).mapToLong(Long::parseLong).toArray();
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(Files.readAllBytes(Path.of(p[4])))
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                if (p[0].equals("in")) {
                    in.put(p[1], p[2].equals("float")
                            ? OnnxTensor.createTensor(env, b.asFloatBuffer(), shape)
                            : OnnxTensor.createTensor(env, b.asLongBuffer(), shape));
                } else {
                    float[] f = new float[b.remaining() / 4];
                    b.asFloatBuffer().get(f);
                    expected.put(p[1], f);
                    expectedShape.put(p[1], Arrays.toString(shape));
                }
            }
            StringBuilder sb = new StringBuilder();
            boolean ok = true;
            try (OrtSession s = env.createSession(models.resolve(model).toString(), new OrtSession.SessionOptions());
                 OrtSession.Result res = s.run(in)) {
                for (Map.Entry<String, float[]> e : expected.entrySet()) {
                    OnnxTensor t = (OnnxTensor) res.get(e.getKey()).orElseThrow();
                    String shape = Arrays.toString(t.getInfo().getShape());
                    FloatBuffer fb = t.getFloatBuffer();
                    float[] want = e.getValue();
                    double maxAbs = 0, maxDiff = 0;
                    for (int i = 0; i < want.length; i++) {
                        maxAbs = Math.max(maxAbs, Math.abs(want[i]));
                        maxDiff = Math.max(maxDiff, Math.abs(want[i] - fb.get(i)));
                    }
                    boolean good = shape.equals(expectedShape.get(e.getKey())) && maxDiff <= 1e-4 * Math.max(1, maxAbs);
                    ok &= good;
                    sb.append(String.format(" %s%s maxdiff %.2e (max|y| %.2f)", e.getKey(), shape, maxDiff, maxAbs));
                }
            } catch (Exception ex) {
                ok = false;
                sb.append(' ').append(ex.getMessage().lines().findFirst().orElse(""));
            }
            in.values().forEach(OnnxTensor::close);
            if (!ok) failed++;
            System.out.println((ok ? "SAME " : "DIFF ") + model + sb);
        }
        System.out.println(refFiles.size() - failed + "/" + refFiles.size() + " match torch");
        if (failed > 0) System.exit(1);
    }

    static void tokens(OrtEnvironment env, Path csv, Path model) throws Exception {
        List<String> lines = Files.readAllLines(csv);
        int n = lines.size();
        int seq = lines.get(0).split(",").length - 1;
        long[] x = new long[n * seq];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            String[] p = lines.get(i).split(",");
            y[i] = Integer.parseInt(p[0]);
            for (int j = 0; j < seq; j++) x[i * seq + j] = Long.parseLong(p[j + 1]);
        }
        try (OrtSession s = env.createSession(model.toString(), new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(x), new long[] {n, seq});
             OrtSession.Result res = s.run(Map.of("input_ids", t))) {
            float[][] logits = (float[][]) res.get(0).getValue();
            int correct = 0;
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int c = 1; c < logits[i].length; c++) if (logits[i][c] > logits[i][best]) best = c;
                if (best == y[i]) correct++;
            }
            System.out.printf("%s: %d/%d correct, accuracy %.6f%n", model.getFileName(), correct, n, correct / (double) n);
        }
    }

    static void digits(OrtEnvironment env, Path csv, Path model) throws Exception {
        List<String> lines = Files.readAllLines(csv);
        int n = lines.size();
        float[] x = new float[n * 64];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            String[] p = lines.get(i).split(",");
            y[i] = Integer.parseInt(p[0]);
            for (int j = 0; j < 64; j++) x[i * 64 + j] = Float.parseFloat(p[j + 1]);
        }
        try (OrtSession s = env.createSession(model.toString(), new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {n, 1, 8, 8});
             OrtSession.Result res = s.run(Map.of("input", t))) {
            float[][] logits = (float[][]) res.get(0).getValue();
            int correct = 0;
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int c = 1; c < 10; c++) if (logits[i][c] > logits[i][best]) best = c;
                if (best == y[i]) correct++;
            }
            System.out.printf("digits: %d/%d correct, accuracy %.6f; first logits %s%n", correct, n,
                    correct / (double) n, Arrays.toString(logits[0]));
        }
    }
}
