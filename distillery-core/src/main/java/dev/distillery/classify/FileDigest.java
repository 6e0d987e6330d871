package dev.distillery.classify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A file's size and SHA-256 (FIPS 180-4), which identify its content: the manifest records one for every file of
 * a model folder, and the provenance one for every data file a model was made from.
 *
 * @param sizeBytes the file's length
 * @param sha256    lower-case hex SHA-256 of its bytes
 */
public record FileDigest(long sizeBytes, String sha256) {
    /** Reads {@code file} once to hash it. */
    public static FileDigest of(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK provides SHA-256", e);
        }
        byte[] buffer = new byte[1 << 16];
        long size = 0;
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
                size += n;
            }
        }
        return new FileDigest(size, HexFormat.of().formatHex(digest.digest()));
    }
}
