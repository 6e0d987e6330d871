package dev.distillery.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Writes files so that a reader sees either the old content or the complete new one, never a
 * half-written file: the content goes to a temporary file in the same folder (so the rename
 * stays on one file system), is flushed to disk with fsync, then renamed over the target, and
 * the folder is synced so the rename itself survives a crash.
 *
 * <p>{@link #replaceDirectory} does the same for a whole folder of files that belong together (a
 * model): they are written into a temporary sibling folder, synced, and the sibling is renamed into
 * place.
 *
 * <pre>{@code
 * AtomicFiles.writeString(dir.resolve("config.json"), json);
 * AtomicFiles.write(dir.resolve("model.safetensors"), out -> out.write(bytes));
 * AtomicFiles.replaceDirectory(modelDir, MODEL_FILES::contains, tmp -> writeModel(tmp));
 * }</pre>
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Produces a file's content; the stream is buffered and must not be closed by the body. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Produces a folder's files in the (empty) folder it is given. */
    @FunctionalInterface
    public interface FolderBody {
        void writeTo(Path dir) throws IOException;
    }

    /** Marks the temporary siblings {@link #replaceDirectory} makes: {@code .NAME.partial-PID-N} and {@code .NAME.old-PID-N}. */
    private static final String PARTIAL = ".partial-";
    private static final String OLD = ".old-";

    /**
     * Writes the folder {@code target} whole. {@code body} fills a new temporary sibling
     * {@code .NAME.partial-PID-N}; every file in it and the folder itself are synced; then an existing
     * {@code target} is renamed aside to {@code .NAME.old-PID-N}, the sibling is renamed to {@code target}, and the
     * old folder is deleted. A crash therefore leaves at {@code target} either the old folder or the complete new
     * one, never a mix; only between the two renames is there none, and then the old folder is complete beside it
     * ({@link #interruptedReplacement} finds it). Leftovers of processes that died are removed by the next call.
     *
     * <p>An existing {@code target} is replaced only when every entry in it is one {@code replaceable} accepts, so
     * a mistaken path (a home folder, a data folder) is refused instead of deleted.
     *
     * @throws IOException naming {@code target} and the entries that are not {@code replaceable}; whatever {@code body}
     *                     throws, after deleting the temporary sibling
     */
    public static void replaceDirectory(Path target, Predicate<String> replaceable, FolderBody body)
            throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        String name = absolute.getFileName().toString();
        Files.createDirectories(parent);
        removeLeftovers(parent, name, Files.isDirectory(absolute));
        if (Files.exists(absolute)) {
            if (!Files.isDirectory(absolute)) {
                throw new FileAlreadyExistsException(absolute.toString(), null, "a file, not a folder; "
                        + "choose another path for the folder to write");
            }
            List<String> foreign;
            try (Stream<Path> entries = Files.list(absolute)) {
                foreign = entries.map(p -> p.getFileName().toString()).filter(replaceable.negate()).sorted().toList();
            }
            if (!foreign.isEmpty()) {
                throw new DirectoryNotEmptyException(absolute + ": refusing to replace this folder, which holds "
                        + (foreign.size() > 5 ? foreign.subList(0, 5) + " and " + (foreign.size() - 5) + " more" : foreign)
                        + " besides model files; write to a new or empty folder");
            }
        }
        long pid = ProcessHandle.current().pid();
        Path partial = Files.createTempDirectory(parent, "." + name + PARTIAL + pid + "-");
        try {
            body.writeTo(partial);
            syncTree(partial);
            Path old = null;
            if (Files.exists(absolute)) {
                old = Files.createTempDirectory(parent, "." + name + OLD + pid + "-");
                Files.delete(old); // only its unique name is wanted: the rename creates it
                Files.move(absolute, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(partial, absolute, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(parent);
            if (old != null) {
                deleteTree(old);
            }
        } catch (IOException | RuntimeException | Error e) {
            if (Files.exists(partial)) {
                deleteTree(partial);
            }
            throw e;
        }
    }

    /**
     * The complete folder an interrupted {@link #replaceDirectory} set aside when {@code target} is missing (the
     * process died between its two renames), or null.
     */
    public static Path interruptedReplacement(Path target) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        if (Files.exists(absolute) || absolute.getParent() == null || !Files.isDirectory(absolute.getParent())) {
            return null;
        }
        String prefix = "." + absolute.getFileName() + OLD;
        try (Stream<Path> siblings = Files.list(absolute.getParent())) {
            return siblings.filter(p -> p.getFileName().toString().startsWith(prefix) && Files.isDirectory(p))
                    .findFirst().orElse(null);
        }
    }

    /**
     * Removes siblings {@code .NAME.partial-PID-N} of dead processes, and {@code .NAME.old-PID-N} of dead processes
     * when {@code target} exists (otherwise an old folder is all there is, and it is kept for the user).
     */
    private static void removeLeftovers(Path parent, String name, boolean targetExists) throws IOException {
        List<Path> stale;
        try (Stream<Path> siblings = Files.list(parent)) {
            stale = siblings.filter(p -> {
                String n = p.getFileName().toString();
                boolean partial = n.startsWith("." + name + PARTIAL);
                boolean old = n.startsWith("." + name + OLD);
                if (!(partial || (old && targetExists))) {
                    return false;
                }
                String rest = n.substring(("." + name + (partial ? PARTIAL : OLD)).length());
                int dash = rest.indexOf('-');
                try {
                    long pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
                    return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
                } catch (NumberFormatException e) {
                    return false;
                }
            }).toList();
        }
        for (Path p : stale) {
            deleteTree(p);
        }
    }

    private static void syncTree(Path dir) throws IOException {
        try (Stream<Path> entries = Files.walk(dir)) {
            for (Path p : entries.toList()) {
                if (Files.isRegularFile(p)) {
                    try (FileChannel channel = FileChannel.open(p, StandardOpenOption.WRITE)) {
                        channel.force(true);
                    }
                    makeWorldReadable(p);
                } else if (Files.isDirectory(p)) {
                    syncDirectory(p);
                }
            }
        }
        // temporary folders are created owner-only; a model folder should read like any other
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** Deletes {@code dir} and everything under it. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> entries = Files.walk(dir)) {
            for (Path p : entries.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Writes {@code target} atomically with the bytes {@code body} produces, creating parent folders. */
    public static void write(Path target, Body body) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                body.writeTo(out);
                out.flush();
                channel.force(true);
            }
            makeWorldReadable(tmp);
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        syncDirectory(dir);
    }

    public static void writeBytes(Path target, byte[] content) throws IOException {
        write(target, out -> out.write(content));
    }

    public static void writeString(Path target, String content) throws IOException {
        writeBytes(target, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Copies {@code source} to {@code target} atomically. */
    public static void copy(Path source, Path target) throws IOException {
        write(target, out -> Files.copy(source, out));
    }

    // Temporary files are created owner-only; the result should read like any other file we write.
    private static void makeWorldReadable(Path p) throws IOException {
        if (Files.getFileStore(p).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    // Not every platform can open a folder as a channel (Windows cannot); the data itself is already synced.
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException ignored) {
            // Best effort by design, see above.
        }
    }
}
