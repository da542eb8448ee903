package dev.lopper.onnx;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Inputs must be regular files (or folders where a folder is meant): a named pipe, device or socket would block a
 * read forever or read endless bytes, so it is refused before it is opened.
 */
public final class InputFiles {
    private InputFiles() {}

    /** Why {@code p} cannot be read as a file, or null when it is a regular file. */
    public static String problem(Path p) {
        try {
            if (Files.isRegularFile(p)) return null;
            if (Files.isDirectory(p)) return "is a folder, not a file";
            if (Files.exists(p)) return "is not a regular file (a pipe, device or socket cannot be read)";
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return "broken symbolic link";
            return "no such file";
        } catch (RuntimeException e) {
            return "cannot be accessed";
        }
    }

    /** Why {@code p} cannot be read as a file or a folder, or null when it is one of them. */
    public static String fileOrFolderProblem(Path p) {
        if (Files.isDirectory(p)) return null;
        String why = problem(p);
        return "no such file".equals(why) ? "no such file or folder" : why;
    }
}
