package dev.lopper.prune;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

/**
 * Verifies pruned models with ONNX Runtime: the original runs once on seeded inputs (floats N(0,1), integers
 * and booleans 0 or 1, from {@code new Random(seed)} per input in name order); each pruned model is loaded from
 * bytes, run on the same inputs, and must give outputs with the original's names, element types and shapes.
 * Float outputs are also compared (largest absolute difference), which proves a plan removing nothing.
 */
public final class OrtVerifier implements ModelCheck, AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession.SessionOptions.OptLevel optLevel;
    private final Map<String, OnnxTensor> inputs = new TreeMap<>();
    private final Map<String, long[]> originalShapes = new LinkedHashMap<>();
    private final Map<String, OnnxJavaType> originalTypes = new HashMap<>();
    private final Map<String, float[]> originalValues = new HashMap<>();

    /**
     * @param original  the original model's bytes
     * @param shapes    shapes for inputs with unknown dims
     * @param seed      seed of the inputs
     * @param optLevel  ORT graph optimization level for both runs
     */
    public OrtVerifier(byte[] original, InputShapes shapes, long seed, OrtSession.SessionOptions.OptLevel optLevel) throws PlanException {
        this.optLevel = optLevel;
        try (OrtSession.SessionOptions so = options(); OrtSession s = env.createSession(original, so)) {
            for (Map.Entry<String, NodeInfo> e : new TreeMap<>(s.getInputInfo()).entrySet()) {
                if (!(e.getValue().getInfo() instanceof TensorInfo ti)) {
                    throw new PlanException("input '" + e.getKey() + "' is not a tensor; cannot make test data");
                }
                long[] shape = shapes.resolve(e.getKey(), ti.getShape());
                inputs.put(e.getKey(), randomTensor(e.getKey(), ti.type, shape, new Random(seed ^ e.getKey().hashCode())));
            }
            try (OrtSession.Result r = s.run(inputs)) {
                for (Map.Entry<String, OnnxValue> e : r) {
                    if (e.getValue() instanceof OnnxTensor t) {
                        originalShapes.put(e.getKey(), t.getInfo().getShape());
                        originalTypes.put(e.getKey(), t.getInfo().type);
                        float[] v = floats(t);
                        if (v != null) originalValues.put(e.getKey(), v);
                    }
                }
            }
        } catch (OrtException e) {
            close();
            throw new PlanException("ONNX Runtime cannot run the original model: " + firstLine(e.getMessage()), e);
        } catch (IllegalArgumentException e) {
            close();
            throw new PlanException(e.getMessage(), e);
        }
    }

    private OrtSession.SessionOptions options() throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        so.setOptimizationLevel(optLevel);
        so.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
        return so;
    }

    /** Shapes the original's outputs have on the seeded inputs. */
    public Map<String, long[]> originalShapes() { return originalShapes; }

    @Override
    public Verification verify(byte[] model) {
        try (OrtSession.SessionOptions so = options(); OrtSession s = env.createSession(model, so)) {
            Map<String, long[]> shapes = new LinkedHashMap<>();
            Map<String, Double> diffs = new LinkedHashMap<>();
            if (!s.getInputInfo().keySet().equals(inputs.keySet())) {
                return Verification.failed("inputs changed: " + new TreeMap<>(s.getInputInfo()).keySet() + " instead of " + inputs.keySet());
            }
            try (OrtSession.Result r = s.run(inputs)) {
                List<String> names = new ArrayList<>();
                for (Map.Entry<String, OnnxValue> e : r) {
                    names.add(e.getKey());
                    if (!(e.getValue() instanceof OnnxTensor t)) continue;
                    long[] shape = t.getInfo().getShape();
                    shapes.put(e.getKey(), shape);
                    long[] want = originalShapes.get(e.getKey());
                    if (want == null) return new Verification(false, "output '" + e.getKey() + "' is not an output of the original", shapes, diffs);
                    if (!Arrays.equals(want, shape)) {
                        return new Verification(false, "output '" + e.getKey() + "' has shape " + Arrays.toString(shape)
                                + ", the original " + Arrays.toString(want), shapes, diffs);
                    }
                    if (t.getInfo().type != originalTypes.get(e.getKey())) {
                        return new Verification(false, "output '" + e.getKey() + "' has type " + t.getInfo().type
                                + ", the original " + originalTypes.get(e.getKey()), shapes, diffs);
                    }
                    float[] a = originalValues.get(e.getKey());
                    float[] b = a == null ? null : floats(t);
                    if (b != null) {
                        double d = 0;
                        for (int i = 0; i < a.length; i++) {
                            double x = Math.abs((double) a[i] - b[i]);
                            if (!(x <= d)) d = Double.isNaN(x) ? Double.NaN : x;
                            if (Double.isNaN(d)) break;
                        }
                        diffs.put(e.getKey(), d);
                    }
                }
                if (!names.containsAll(originalShapes.keySet())) {
                    return new Verification(false, "outputs changed: " + names + " instead of " + originalShapes.keySet(), shapes, diffs);
                }
            }
            return new Verification(true, null, shapes, diffs);
        } catch (OrtException e) {
            return Verification.failed("ONNX Runtime: " + firstLine(e.getMessage()));
        }
    }

    static String firstLine(String s) {
        if (s == null) return "unknown error";
        int i = s.indexOf('\n');
        return (i < 0 ? s : s.substring(0, i)).trim();
    }

    private static float[] floats(OnnxTensor t) {
        OnnxJavaType type = t.getInfo().type;
        if (type == OnnxJavaType.FLOAT) {
            FloatBuffer fb = t.getFloatBuffer();
            float[] v = new float[fb.remaining()];
            fb.get(v);
            return v;
        }
        if (type == OnnxJavaType.DOUBLE) {
            DoubleBuffer db = t.getDoubleBuffer();
            float[] v = new float[db.remaining()];
            for (int i = 0; i < v.length; i++) v[i] = (float) db.get(i);
            return v;
        }
        return null;
    }

    private OnnxTensor randomTensor(String name, OnnxJavaType type, long[] shape, Random rnd) throws OrtException {
        long n = 1;
        for (long d : shape) n *= d;
        if (n > Integer.MAX_VALUE / 8) throw new IllegalArgumentException("input '" + name + "' of shape " + Arrays.toString(shape) + " is too large");
        int count = (int) n;
        switch (type) {
            case FLOAT -> {
                FloatBuffer b = ByteBuffer.allocateDirect(count * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
                for (int i = 0; i < count; i++) b.put((float) rnd.nextGaussian());
                b.rewind();
                return OnnxTensor.createTensor(env, b, shape);
            }
            case DOUBLE -> {
                DoubleBuffer b = ByteBuffer.allocateDirect(count * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer();
                for (int i = 0; i < count; i++) b.put(rnd.nextGaussian());
                b.rewind();
                return OnnxTensor.createTensor(env, b, shape);
            }
            case INT64 -> {
                LongBuffer b = ByteBuffer.allocateDirect(count * 8).order(ByteOrder.nativeOrder()).asLongBuffer();
                for (int i = 0; i < count; i++) b.put(rnd.nextInt(2));
                b.rewind();
                return OnnxTensor.createTensor(env, b, shape);
            }
            case INT32 -> {
                IntBuffer b = ByteBuffer.allocateDirect(count * 4).order(ByteOrder.nativeOrder()).asIntBuffer();
                for (int i = 0; i < count; i++) b.put(rnd.nextInt(2));
                b.rewind();
                return OnnxTensor.createTensor(env, b, shape);
            }
            case INT8, UINT8, BOOL -> {
                ByteBuffer b = ByteBuffer.allocateDirect(count).order(ByteOrder.nativeOrder());
                for (int i = 0; i < count; i++) b.put((byte) rnd.nextInt(2));
                b.rewind();
                return OnnxTensor.createTensor(env, b, shape, type);
            }
            case FLOAT16 -> {
                ByteBuffer b = ByteBuffer.allocateDirect(count * 2).order(ByteOrder.nativeOrder());
                for (int i = 0; i < count; i++) b.putShort(dev.lopper.onnx.Half.fromFloat((float) rnd.nextGaussian()));
                b.rewind();
                return OnnxTensor.createTensor(env, b, shape, type);
            }
            default -> throw new IllegalArgumentException("input '" + name + "' has type " + type + "; cannot make test data");
        }
    }

    @Override
    public void close() {
        for (OnnxTensor t : inputs.values()) t.close();
        inputs.clear();
    }
}
