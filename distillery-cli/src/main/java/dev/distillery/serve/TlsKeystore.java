package dev.distillery.serve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The server's TLS certificate and key: a PKCS#12 ({@code .p12}, {@code .pfx}) or JKS keystore and its password.
 * The password comes from a file or an environment variable, never from the command line, where any user of the
 * machine could read it in the process list.
 *
 * @param file     the keystore
 * @param password its password (also the key's)
 */
public record TlsKeystore(Path file, char[] password) {
    /** The environment variable the password is read from when no password file is given. */
    public static final String PASSWORD_ENV = "DISTILLERY_TLS_KEYSTORE_PASSWORD";

    public TlsKeystore {
        password = password.clone();
    }

    /** PKCS12, or JKS for a {@code .jks} file. */
    public String type() {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jks") ? "JKS" : "PKCS12";
    }

    /**
     * The keystore with its password from {@code passwordFile} (its first line), or when that is null from
     * {@value #PASSWORD_ENV} in {@code env}.
     *
     * @throws IOException naming what is missing: the keystore, the password file, or any password at all
     */
    public static TlsKeystore of(Path file, Path passwordFile, Map<String, String> env) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such TLS keystore");
        }
        String password;
        if (passwordFile != null) {
            if (!Files.isRegularFile(passwordFile)) {
                throw new NoSuchFileException(passwordFile.toString(), null, "no such keystore password file");
            }
            password = Files.readString(passwordFile, StandardCharsets.UTF_8).lines().findFirst().orElse("");
        } else {
            password = env.get(PASSWORD_ENV);
            if (password == null) {
                throw new IOException("the keystore " + file + " needs its password: give --tls-keystore-password-file FILE"
                        + " or set " + PASSWORD_ENV);
            }
        }
        return new TlsKeystore(file, password.toCharArray());
    }
}
