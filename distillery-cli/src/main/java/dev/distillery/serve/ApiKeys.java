package dev.distillery.serve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The keys a client may present as {@code Authorization: Bearer KEY} (RFC 6750). Only their SHA-256 digests are
 * kept, and a presented key is hashed and compared with every digest by {@link MessageDigest#isEqual}, which takes
 * the same time wherever the bytes differ, so neither the comparison nor the key lengths leak through timing.
 *
 * <p>A key file holds one key per line (several allow rotation); blank lines and lines starting with {@code #} are
 * skipped. A key must be at least {@value #MIN_KEY_CHARS} characters of printable ASCII without spaces, e.g.
 * {@code openssl rand -hex 32}.
 */
public final class ApiKeys {
    public static final int MIN_KEY_CHARS = 16;
    private static final int MAX_FILE_BYTES = 1 << 16;

    private final List<byte[]> digests;

    private ApiKeys(List<byte[]> digests) {
        this.digests = List.copyOf(digests);
    }

    /** Keys given directly, e.g. by a test or an embedding application. */
    public static ApiKeys of(String... keys) {
        List<byte[]> digests = new ArrayList<>();
        for (String key : keys) {
            String problem = problem(key);
            if (problem != null) {
                throw new IllegalArgumentException("an API key " + problem);
            }
            digests.add(sha256(key));
        }
        if (digests.isEmpty()) {
            throw new IllegalArgumentException("no API keys given");
        }
        return new ApiKeys(digests);
    }

    /**
     * Reads a key file.
     *
     * @throws InvalidApiKeyFileException naming the file and line when it holds no key or a key that is too short
     *                                    or not printable ASCII
     */
    public static ApiKeys read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such API key file");
        }
        if (Files.size(file) > MAX_FILE_BYTES) {
            throw new InvalidApiKeyFileException(file + " is " + Files.size(file) + " bytes; an API key file holds a few"
                    + " keys, one per line");
        }
        List<String> lines = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).lines().toList();
        List<byte[]> digests = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String key = lines.get(i).strip();
            if (key.isEmpty() || key.startsWith("#")) {
                continue;
            }
            String problem = problem(key);
            if (problem != null) {
                throw new InvalidApiKeyFileException(file + ":" + (i + 1) + ": the key " + problem);
            }
            digests.add(sha256(key));
        }
        if (digests.isEmpty()) {
            throw new InvalidApiKeyFileException(file + " holds no key; write one per line, e.g. the output of"
                    + " `openssl rand -hex 32`");
        }
        return new ApiKeys(digests);
    }

    /** Whether others than the owner may read {@code file}: then the keys are as good as public on a shared machine. */
    public static boolean readableByOthers(Path file) throws IOException {
        if (!Files.getFileStore(file).supportsFileAttributeView("posix")) {
            return false;
        }
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
        return p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ);
    }

    public int size() {
        return digests.size();
    }

    /** Whether an {@code Authorization} header value (may be null) is {@code Bearer} and one of the keys. */
    public boolean accepts(String authorization) {
        if (authorization == null) {
            return false;
        }
        String value = authorization.strip();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
            return false;
        }
        byte[] presented = sha256(value.substring(space + 1).strip());
        boolean match = false;
        for (byte[] digest : digests) {
            match |= MessageDigest.isEqual(digest, presented); // every digest is compared: no early exit to time
        }
        return match;
    }

    private static String problem(String key) {
        if (key.length() < MIN_KEY_CHARS) {
            return "has " + key.length() + " characters; use at least " + MIN_KEY_CHARS + ", e.g. `openssl rand -hex 32`";
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c <= ' ' || c > '~') {
                return "holds a character that is not printable ASCII at position " + (i + 1)
                        + "; an HTTP header carries only those";
            }
        }
        return null;
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.ISO_8859_1));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** A key file that holds no usable key. */
    public static final class InvalidApiKeyFileException extends IOException {
        private static final long serialVersionUID = 1L;

        InvalidApiKeyFileException(String message) {
            super(message);
        }
    }
}
