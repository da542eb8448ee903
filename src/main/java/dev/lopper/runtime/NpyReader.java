package dev.lopper.runtime;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Streams the values of one NumPy {@code .npy} array (format versions 1-3) in C order. Supported dtypes:
 * bool, int8/16/32/64, uint8/16/32/64, float16/32/64, either byte order. Fortran-ordered arrays are refused.
 */
public final class NpyReader implements AutoCloseable {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-zA-Z])(\\d+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private final String name;
    private final DataInputStream in;
    private final char kind;
    private final int itemSize;
    private final ByteOrder order;
    private final long[] shape;
    private long valuesRead;

    public NpyReader(InputStream stream, String name) {
        this.name = name;
        this.in = new DataInputStream(new BufferedInputStream(stream, 1 << 16));
        String header;
        try {
            byte[] magic = new byte[6];
            in.readFully(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) throw new EvalException(name + ": not a NumPy .npy array (bad magic bytes)");
            int major = in.readUnsignedByte();
            in.readUnsignedByte();
            long len;
            if (major == 1) len = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
            else if (major == 2 || major == 3) len = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
            else throw new EvalException(name + ": unsupported .npy format version " + major);
            if (len > 1 << 20) throw new EvalException(name + ": .npy header of " + len + " bytes is implausible");
            byte[] h = new byte[(int) len];
            in.readFully(h);
            header = new String(h, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        } catch (EOFException e) {
            throw new EvalException(name + ": truncated .npy header");
        } catch (IOException e) {
            throw new EvalException(name + ": cannot read (" + EvalException.firstLine(e.getMessage()) + ")");
        }
        Matcher d = DESCR.matcher(header);
        if (!d.find()) {
            throw new EvalException(name + ": unsupported dtype in .npy header " + header.strip()
                    + " (need a plain numeric dtype such as '<f4')");
        }
        this.order = d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        this.kind = d.group(2).charAt(0);
        this.itemSize = Integer.parseInt(d.group(3));
        boolean ok = switch (kind) {
            case 'f' -> itemSize == 2 || itemSize == 4 || itemSize == 8;
            case 'i', 'u' -> itemSize == 1 || itemSize == 2 || itemSize == 4 || itemSize == 8;
            case 'b' -> itemSize == 1;
            default -> false;
        };
        if (!ok) throw new EvalException(name + ": unsupported dtype '" + d.group(1) + kind + itemSize + "' (numbers and bools only)");
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!f.find() || !s.find()) throw new EvalException(name + ": malformed .npy header " + header.strip());
        String[] parts = s.group(1).split(",");
        java.util.List<Long> dims = new java.util.ArrayList<>();
        for (String p : parts) {
            if (p.isBlank()) continue;
            try {
                dims.add(Long.parseLong(p.strip().replace("L", "")));
            } catch (NumberFormatException e) {
                throw new EvalException(name + ": malformed shape (" + s.group(1) + ") in .npy header");
            }
        }
        this.shape = dims.stream().mapToLong(Long::longValue).toArray();
        for (long dim : shape) if (dim < 0) throw new EvalException(name + ": negative dimension in .npy shape (" + s.group(1) + ")");
        if (dev.lopper.graph.GraphLoader.elements(shape) > Long.MAX_VALUE / 16) {
            throw new EvalException(name + ": .npy shape (" + s.group(1) + ") is too large");
        }
        if (f.group(1).equals("True") && shape.length > 1) {
            throw new EvalException(name + ": Fortran-ordered arrays are not supported; save with np.ascontiguousarray");
        }
    }

    public String name() { return name; }

    public long[] shape() { return shape.clone(); }

    /** Number of samples: dim 0 (an array needs rank >= 1). */
    public long rows() {
        if (shape.length == 0) throw new EvalException(name + ": a scalar array holds no samples");
        return shape[0];
    }

    /** Values per sample: product of dims 1.. */
    public long rowSize() {
        long n = 1;
        for (int i = 1; i < shape.length; i++) n *= shape[i];
        return n;
    }

    public String dtype() { return (order == ByteOrder.BIG_ENDIAN ? ">" : "<") + kind + itemSize; }

    public boolean isIntegral() { return kind != 'f'; }

    /** Reads the next {@code count} values into {@code dst} starting at element {@code dstOffset}. */
    public void readInto(HostTensor dst, int dstOffset, int count) {
        byte[] buf = new byte[Math.min(count, 1 << 16) * itemSize];
        int done = 0;
        while (done < count) {
            int k = Math.min(count - done, buf.length / itemSize);
            try {
                in.readFully(buf, 0, k * itemSize);
            } catch (EOFException e) {
                throw new EvalException(name + ": file ends after " + (valuesRead + done) + " values; its header promises "
                        + HostTensor.count(shape));
            } catch (IOException e) {
                throw new EvalException(name + ": cannot read (" + EvalException.firstLine(e.getMessage()) + ")");
            }
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, k * itemSize).order(order);
            for (int i = 0; i < k; i++) {
                double v = value(bb, i * itemSize);
                if (kind == 'f' && !Double.isFinite(v)) {
                    long at = valuesRead + done + i;
                    long row = rowSize() == 0 ? 0 : at / rowSize();
                    throw new EvalException(name + " sample " + row + ": value " + v + " is not a finite number");
                }
                dst.set(dstOffset + done + i, v);
            }
            done += k;
        }
        valuesRead += count;
    }

    private double value(ByteBuffer b, int o) {
        return switch (kind) {
            case 'f' -> switch (itemSize) {
                case 2 -> dev.lopper.onnx.Half.toFloat(b.getShort(o));
                case 4 -> b.getFloat(o);
                default -> b.getDouble(o);
            };
            case 'i' -> switch (itemSize) {
                case 1 -> b.get(o);
                case 2 -> b.getShort(o);
                case 4 -> b.getInt(o);
                default -> b.getLong(o);
            };
            case 'u' -> switch (itemSize) {
                case 1 -> b.get(o) & 0xff;
                case 2 -> b.getShort(o) & 0xffff;
                case 4 -> b.getInt(o) & 0xffffffffL;
                default -> b.getLong(o);
            };
            default -> b.get(o) != 0 ? 1 : 0;
        };
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException ignored) {
            // read-only
        }
    }
}
