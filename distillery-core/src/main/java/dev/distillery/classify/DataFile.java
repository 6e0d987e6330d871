package dev.distillery.classify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

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
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK provides SHA-256", e);
        }
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return new DataFile(role, file.toAbsolutePath().normalize().toString(), Files.size(file),
                HexFormat.of().formatHex(digest.digest()));
    }
}
