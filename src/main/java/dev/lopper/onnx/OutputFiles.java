package dev.lopper.onnx;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one output policy for every file Lopper writes (models, their external data, plans, charts), from the
 * CLI and the app.
 * <ul>
 *   <li>Checked up front ({@link #claim}): the folder exists, the target is not a folder or a special file, it
 *       does not resolve (after symbolic links, and by file key for hard links) to an input of the command or
 *       to another output, and it is not inside an input folder.</li>
 *   <li>Every output is written to a temporary file in its target's folder ({@link #write}, {@link #stage}) and
 *       moved into place only by {@link #commit}, after every step succeeded; {@link #close} without a commit
 *       deletes the temporaries, so a failing later step leaves no output behind.</li>
 *   <li>Permissions: a replaced file keeps its permissions; a new file gets the defaults of any file the user
 *       creates (the umask is honoured; temporaries are created normally, not owner-only).</li>
 * </ul>
 * <pre>
 * try (OutputFiles out = new OutputFiles()) {
 *     out.input(model, "model").input(plan, "plan");
 *     out.claim(target, "model"); out.claim(planOut, "plan");   // refusals before any work
 *     ... work ...
 *     out.write(planOut, "plan", os -&gt; os.write(bytes));
 *     out.commit();
 * }
 * </pre>
 */
public final class OutputFiles implements AutoCloseable {
    /** Writes the contents of one output. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private record Input(Path real, Object key, String what, boolean folder) {}

    private record Staged(Path temp, Path target) {}

    private final List<Input> inputs = new ArrayList<>();
    private record Claim(Path given, String role) {}

    private final Map<Path, Claim> claimed = new LinkedHashMap<>(); // real path -> claim
    private final List<Staged> staged = new ArrayList<>();
    private boolean committed;

    /**
     * Registers an input of the command (a file, or a folder whose contents are read); null is ignored.
     * @param what how the user calls it, e.g. "model", "plan", "calibration data"
     */
    public OutputFiles input(Path p, String what) {
        if (p == null) return this;
        Path real = realPath(p);
        Object key = null;
        boolean folder = false;
        try {
            BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
            key = a.fileKey();
            folder = a.isDirectory();
        } catch (IOException | RuntimeException e) {
            // does not exist (yet): compared by path only
        }
        inputs.add(new Input(real, key, what, folder));
        return this;
    }

    /**
     * Checks that {@code target} may be written and reserves it for {@code role}; call before any work is done.
     * Claiming the same target for the same role again (a writer after the command checked it) is allowed.
     * @param role what the output is, e.g. "model", "plan"
     * @return the absolute target
     * @throws ModelWriteException (message "cannot write TARGET: REASON") when it may not
     */
    public Path claim(Path target, String role) throws ModelWriteException {
        Objects.requireNonNull(target);
        Path abs = target.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        if (dir == null || abs.getFileName() == null) throw new ModelWriteException(target, "is not a file name");
        if (!Files.exists(dir)) throw new ModelWriteException(target, "folder " + dir + " does not exist");
        if (!Files.isDirectory(dir)) throw new ModelWriteException(target, dir + " is not a folder");
        if (Files.isDirectory(abs)) throw new ModelWriteException(target, "is a folder");
        if (Files.exists(abs) && !Files.isRegularFile(abs)) {
            throw new ModelWriteException(target, "exists and is not a regular file");
        }
        Path real = realPath(abs);
        Object key = fileKey(abs);
        for (Input in : inputs) {
            if (in.real().equals(real) || (key != null && key.equals(in.key()))) {
                throw new ModelWriteException(target, "refusing to write over the input " + in.what() + " " + in.real());
            }
            if (in.folder() && real.startsWith(in.real())) {
                throw new ModelWriteException(target, "refusing to write inside the input " + in.what() + " folder " + in.real());
            }
        }
        Claim other = claimed.get(real);
        if (other == null && key != null) {
            for (Map.Entry<Path, Claim> e : claimed.entrySet()) {
                if (key.equals(fileKey(e.getKey()))) other = e.getValue();
            }
        }
        if (other != null) {
            if (other.role().equals(role)) return abs; // the same output claimed again
            throw new ModelWriteException(target, "it is the same file as another output (the " + other.role() + " "
                    + other.given() + ")");
        }
        Path realDir = realPath(dir);
        if (!Files.isWritable(realDir)) throw new ModelWriteException(target, "no permission to write in folder " + dir);
        claimed.put(real, new Claim(target, role));
        return abs;
    }

    /** True when {@code target} resolves to a registered input (used to name the clash in a writer's own words). */
    public String inputAt(Path target) {
        Path real = realPath(target);
        Object key = fileKey(target.toAbsolutePath().normalize());
        for (Input in : inputs) {
            if (in.real().equals(real) || (key != null && key.equals(in.key()))) return in.what();
        }
        return null;
    }

    /**
     * A new, empty temporary file in {@code target}'s folder (claimed first) that {@link #commit} moves onto
     * {@code target}; created with the permissions a new file gets (or those of the file it will replace).
     */
    public Path stage(Path target, String role) throws IOException {
        Path abs = claim(target, role);
        Path dir = abs.getParent();
        Path temp = null;
        for (int attempt = 0; temp == null; attempt++) {
            Path t = dir.resolve("." + abs.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                Files.newByteChannel(t, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                temp = t;
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) throw e;
            }
        }
        staged.add(new Staged(temp, abs));
        if (Files.exists(abs)) {
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(abs);
                Files.setPosixFilePermissions(temp, perms);
            } catch (IOException | UnsupportedOperationException ignored) {
                // not a POSIX file system: the defaults
            }
        }
        return temp;
    }

    /** Writes one output to its temporary file (flushed to disk); moved into place by {@link #commit}. */
    public void write(Path target, String role, Writer writer) throws IOException {
        Path temp = stage(target, role);
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream os = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            writer.write(os);
            os.flush();
            ch.force(true);
        }
    }

    /** Moves every staged output into place (atomic renames where the file system has them). */
    public void commit() throws IOException {
        List<Path> dirs = new ArrayList<>();
        for (Staged s : List.copyOf(staged)) {
            move(s.temp(), s.target());
            staged.remove(s);
            if (!dirs.contains(s.target().getParent())) dirs.add(s.target().getParent());
        }
        for (Path d : dirs) syncDirectory(d);
        committed = true;
    }

    /** Deletes the temporaries of outputs not committed. */
    @Override
    public void close() {
        for (Staged s : staged) {
            try {
                Files.deleteIfExists(s.temp());
            } catch (IOException ignored) {
                // best effort
            }
        }
        staged.clear();
    }

    public boolean committed() { return committed; }

    /** Writes one file atomically under this policy; {@code inputs} are files it must not replace. */
    public static void writeAtomically(Path target, Writer writer, Path... inputs) throws IOException {
        try (OutputFiles out = new OutputFiles()) {
            for (Path p : inputs) out.input(p, "file");
            out.write(target, "output", writer);
            out.commit();
        }
    }

    // ---------------------------------------------------------------- paths

    /** The real path of a file that may not exist yet: its folder's real path plus its name. */
    public static Path realPath(Path p) {
        return realPath(p, 0);
    }

    private static Path realPath(Path p, int depth) {
        Path abs = p.toAbsolutePath().normalize();
        try {
            if (Files.exists(abs)) return abs.toRealPath();
            if (depth < 40 && Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                // dangling symbolic link: where it points
                Path link = Files.readSymbolicLink(abs);
                return realPath(abs.resolveSibling(link), depth + 1);
            }
            Path parent = abs.getParent();
            if (parent == null || abs.getFileName() == null) return abs;
            return realPath(parent, depth + 1).resolve(abs.getFileName());
        } catch (IOException | RuntimeException e) {
            return abs;
        }
    }

    private static Object fileKey(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | RuntimeException ignored) {
            // not every platform can sync a directory
        }
    }
}
