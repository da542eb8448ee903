package dev.lopper.runtime;

import java.util.Arrays;

import dev.lopper.onnx.ElementType;

/**
 * A model input or output as ONNX Runtime reports it: name, ONNX element type, dims ({@code -1} = symbolic)
 * and the symbol names of symbolic dims ({@code ""} when unnamed).
 */
public record TensorSpec(String name, int elemType, long[] dims, String[] dimNames) {
    public int rank() { return dims.length; }

    public boolean isSymbolic(int axis) { return dims[axis] < 0; }

    public String dimName(int axis) {
        return dimNames == null || axis >= dimNames.length || dimNames[axis] == null ? "" : dimNames[axis];
    }

    /** e.g. {@code float[batch,3,32,32]}. */
    public String describe() {
        StringBuilder b = new StringBuilder(ElementType.name(elemType)).append('[');
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) b.append(',');
            b.append(dims[i] >= 0 ? String.valueOf(dims[i]) : dimName(i).isEmpty() ? "?" : dimName(i));
        }
        return b.append(']').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && t.name.equals(name) && t.elemType == elemType && Arrays.equals(t.dims, dims);
    }

    @Override
    public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(dims); }

    @Override
    public String toString() { return name + ": " + describe(); }
}
