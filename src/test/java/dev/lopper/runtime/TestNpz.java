package dev.lopper.runtime;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes .npz files of int64 matrices (one .npy, format 1.0, little-endian, per array) for tests. */
public final class TestNpz {
    private TestNpz() {}

    /** Writes {@code arrays} (name → N × L) to {@code file}, in map order. */
    public static Path write(Path file, Map<String, long[][]> arrays) throws java.io.IOException {
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(file))) {
            for (Map.Entry<String, long[][]> e : arrays.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                z.write(npy(e.getValue()));
                z.closeEntry();
            }
        }
        return file;
    }

    /** Token ids with an all-ones attention mask and all-zero token types, named as BERT-style exports name them. */
    public static Path tokens(Path file, long[][] ids) throws java.io.IOException {
        int n = ids.length, len = ids[0].length;
        long[][] ones = new long[n][len], zeros = new long[n][len];
        for (long[] row : ones) java.util.Arrays.fill(row, 1);
        Map<String, long[][]> arrays = new java.util.LinkedHashMap<>();
        arrays.put("input_ids", ids);
        arrays.put("attention_mask", ones);
        arrays.put("token_type_ids", zeros);
        return write(file, arrays);
    }

    private static byte[] npy(long[][] a) {
        String header = "{'descr': '<i8', 'fortran_order': False, 'shape': (" + a.length + ", " + a[0].length + "), }";
        int pad = (16 - (10 + header.length() + 1) % 16) % 16;
        header = header + " ".repeat(pad) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x93);
        out.writeBytes("NUMPY".getBytes(StandardCharsets.US_ASCII));
        out.write(1);
        out.write(0);
        out.write(header.length() & 0xff);
        out.write(header.length() >> 8);
        out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        ByteBuffer b = ByteBuffer.allocate(a.length * a[0].length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long[] row : a) for (long v : row) b.putLong(v);
        out.writeBytes(b.array());
        return out.toByteArray();
    }
}
