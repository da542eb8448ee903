package dev.lopper.onnx;

import java.nio.file.Path;

import dev.lopper.onnx.proto.Onnx.StringStringEntryProto;
import dev.lopper.onnx.proto.Onnx.TensorProto;

/**
 * Where an externally stored tensor's bytes live: {@code location} relative to the model's folder,
 * {@code offset} and {@code length} in bytes ({@code length} is -1 when the model does not say).
 */
public record ExternalDataRef(String location, long offset, long length) {

    /** Parses the external_data entries of a tensor; {@code model} only names the file in errors. */
    public static ExternalDataRef of(Path model, TensorProto t) throws ModelLoadException {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = parse(model, t, e);
                case "length" -> length = parse(model, t, e);
                default -> { }
            }
        }
        if (location == null || location.isEmpty()) {
            throw new ModelLoadException(model, "tensor '" + t.getName() + "' has external data without a location");
        }
        if (offset < 0 || length < -1) {
            throw new ModelLoadException(model, "tensor '" + t.getName() + "' has a negative external data offset or length");
        }
        if (length > 0 && offset > Long.MAX_VALUE - length) {
            throw new ModelLoadException(model, "tensor '" + t.getName() + "' has an external data offset and length past 2^63 bytes");
        }
        return new ExternalDataRef(location, offset, length);
    }

    private static long parse(Path model, TensorProto t, StringStringEntryProto e) throws ModelLoadException {
        try {
            return Long.parseLong(e.getValue().trim());
        } catch (NumberFormatException ex) {
            throw new ModelLoadException(model, "tensor '" + t.getName() + "' has a bad external data "
                    + Messages.printable(e.getKey(), 40) + " '" + Messages.printable(e.getValue(), 40) + "'");
        }
    }

    /**
     * The data file, resolved against {@code baseDir}. Absolute locations and locations that leave the
     * model's folder are refused, like ONNX's checker does.
     */
    public Path resolve(Path model, Path baseDir) throws ModelLoadException {
        Path rel;
        try {
            rel = Path.of(location);
        } catch (java.nio.file.InvalidPathException e) {
            throw new ModelLoadException(model, "external data location '" + location + "' is not a valid path");
        }
        if (rel.isAbsolute() || location.startsWith("/") || location.startsWith("\\")) {
            throw new ModelLoadException(model, "external data location '" + location + "' is absolute; it must be relative to the model's folder");
        }
        Path base = baseDir.toAbsolutePath().normalize();
        Path file = base.resolve(rel).normalize();
        if (!file.startsWith(base)) {
            throw new ModelLoadException(model, "external data location '" + location + "' points outside the model's folder");
        }
        // symbolic links are followed before the check: a link inside the folder may not lead out of it
        Path realBase = OutputFiles.realPath(base);
        Path real = OutputFiles.realPath(file);
        if (!real.startsWith(realBase)) {
            throw new ModelLoadException(model, "external data location '" + location
                    + "' is a symbolic link that leads outside the model's folder");
        }
        return real;
    }

    /** Bytes to read: {@code length} when given, else what the tensor's type and dims need (-1 if unknown). */
    public long byteCount(TensorProto t) {
        return length >= 0 ? length : OnnxModel.expectedBytes(t);
    }
}
