package dev.distillery.recipe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The cache key of one pipeline step: SHA-256 over its options, the content of its input files and
 * folders, and the keys of the steps it reads from. Paths never enter the key, only content, so a
 * moved data folder still hits the cache while an edited file misses it.
 * <pre>{@code
 * String key = new StepKey("teacher").put("teacher.epochs", "1").file("data.train", train).hex();
 * }</pre>
 */
final class StepKey {
    /** Bumped when a step's meaning changes, so results of an older Distillery are not reused. */
    static final int VERSION = 1;

    private final Map<String, String> parts = new TreeMap<>();

    StepKey(String step) {
        parts.put("step", step + "@" + VERSION);
    }

    StepKey put(String name, String value) {
        parts.put(name, value);
        return this;
    }

    StepKey putAll(Map<String, String> values) {
        parts.putAll(values);
        return this;
    }

    /** The file's content hash under {@code name}. */
    StepKey file(String name, Path file) throws IOException {
        return put(name, sha256(file));
    }

    /**
     * The content of every regular file under {@code dir} except hidden ones (checkpoints, temporary
     * files), by relative path.
     */
    StepKey folder(String name, Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).filter(p -> !hidden(dir.relativize(p))).sorted().toList();
        }
        StringBuilder b = new StringBuilder();
        for (Path p : files) {
            b.append(dir.relativize(p)).append('=').append(sha256(p)).append('\n');
        }
        return put(name, sha256(b.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    String hex() {
        StringBuilder b = new StringBuilder();
        parts.forEach((k, v) -> b.append(k.length()).append(':').append(k).append(v.length()).append(':').append(v));
        return sha256(b.toString().getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest = digest();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK provides SHA-256", e);
        }
    }
}
