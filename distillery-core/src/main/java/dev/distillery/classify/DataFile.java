package dev.distillery.classify;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file a model was made from, identified by content so a later reader can tell whether it still
 * has the same data.
 *
 * @param role   what the file was used for: {@code train}, {@code validation} or {@code test}
 * @param path   absolute path at training time
 * @param sha256 lower-case hex SHA-256 of the bytes on disk (compressed, for .gz files)
 */
public record DataFile(String role, String path, long sizeBytes, String sha256) {

    /** Describes {@code file}, reading it once to hash it. */
    public static DataFile of(String role, Path file) throws IOException {
        FileDigest d = FileDigest.of(file);
        return new DataFile(role, file.toAbsolutePath().normalize().toString(), d.sizeBytes(), d.sha256());
    }
}
