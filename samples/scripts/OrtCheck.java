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
 */
public class OrtCheck {
    public static void main(String[] args) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        if (args.length == 3 && args[0].equals("--digits")) {
            digits(env, Path.of(args[1]), Path.of(args[2]));
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
