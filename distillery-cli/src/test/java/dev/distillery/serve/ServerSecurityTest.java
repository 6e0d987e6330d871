package dev.distillery.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.classify.Prediction;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exposure rules, API keys and TLS: who may reach the server and how. */
class ServerSecurityTest {
    private static final String KEY = "0123456789abcdef0123456789abcdef";
    private static final String OTHER_KEY = "fedcba9876543210fedcba9876543210";
    static final List<String> LABELS = List.of("benign", "phishing");

    @TempDir
    Path tmp;

    /** Every text is benign with probability 0.9: the server's plumbing is under test here, not a model. */
    static List<Prediction> fixed(List<String> texts) {
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            out.add(new Prediction(0, "benign", LABELS, new float[] {0.9f, 0.1f}));
        }
        return out;
    }

    private static ClassificationServer serve(ServeOptions options) throws Exception {
        return ClassificationServer.start(ServerSecurityTest::fixed, "fixed", null, null, options);
    }

    private static HttpResponse<String> send(HttpClient http, URI uri, String path, String authorization)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri.resolve(path)).timeout(Duration.ofSeconds(30));
        if (path.equals(ApiHandler.CLASSIFY)) {
            b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"inputs\": [\"a.com\"]}"));
        }
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anAddressOthersCanReachNeedsKeysOrInsecure() throws Exception {
        ServeOptions open = ServeOptions.defaults(0).withHost("0.0.0.0");
        UnsafeExposureException e = assertThrows(UnsafeExposureException.class, () -> serve(open));
        assertTrue(e.getMessage().contains("refusing to listen on 0.0.0.0") && e.getMessage().contains("--api-key-file")
                && e.getMessage().contains("--insecure"), e.getMessage());
        assertThrows(UnsafeExposureException.class, () -> serve(open.withHost("::")));
        try (ClassificationServer s = serve(open.withSecurity(new ServeSecurity(null, null, true)))) {
            assertTrue(s.port() > 0);
        }
        try (ClassificationServer s = serve(open.withSecurity(new ServeSecurity(ApiKeys.of(KEY), null, false)))) {
            assertTrue(s.port() > 0);
        }
        for (String loopback : List.of("127.0.0.1", "localhost", "::1", "127.0.0.2")) {
            assertTrue(ClassificationServer.isLoopbackHost(loopback), loopback);
        }
    }

    @Test
    void withKeysClassifyAndMetricsNeedABearerKeyAndHealthStaysOpen() throws Exception {
        ServeOptions options = ServeOptions.defaults(0).withSecurity(new ServeSecurity(ApiKeys.of(OTHER_KEY, KEY), null, false));
        try (ClassificationServer s = serve(options); HttpClient http = HttpClient.newHttpClient()) {
            for (String refused : new String[] {null, "Bearer wrong-key-wrong-key-wrong", "Basic " + KEY, "Bearer",
                    "Bearer " + KEY + "x", KEY}) {
                HttpResponse<String> r = send(http, s.uri(), ApiHandler.CLASSIFY, refused);
                assertEquals(401, r.statusCode(), refused + ": " + r.body());
                assertEquals("Bearer realm=\"distillery\"", r.headers().firstValue("WWW-Authenticate").orElse(""));
                assertTrue(r.body().contains("Authorization: Bearer KEY"), r.body());
                // refused before its body was read: the server closes, and says so, so the client opens a new connection
                assertEquals("close", r.headers().firstValue("Connection").orElse(""), refused);
            }
            assertEquals(401, send(http, s.uri(), ApiHandler.METRICS, null).statusCode());
            assertEquals(200, send(http, s.uri(), ApiHandler.CLASSIFY, "Bearer " + KEY).statusCode());
            assertEquals(200, send(http, s.uri(), ApiHandler.CLASSIFY, "bearer   " + OTHER_KEY + " ").statusCode());
            assertEquals(200, send(http, s.uri(), ApiHandler.HEALTH, null).statusCode());
            HttpResponse<String> metrics = send(http, s.uri(), ApiHandler.METRICS, "Bearer " + KEY);
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("distillery_http_errors_total{kind=\"unauthorized\"} 7"), metrics.body());
        }
    }

    @Test
    void keyFilesSkipCommentsAndRefuseShortKeysByLine() throws Exception {
        Path file = tmp.resolve("keys.txt");
        Files.writeString(file, "# rotated monthly\n\n" + KEY + "\n  " + OTHER_KEY + "  \n");
        ApiKeys keys = ApiKeys.read(file);
        assertEquals(2, keys.size());
        assertTrue(keys.accepts("Bearer " + OTHER_KEY));
        assertFalse(keys.accepts("Bearer # rotated monthly"));

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(ApiKeys.readableByOthers(file));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertFalse(ApiKeys.readableByOthers(file));

        Files.writeString(file, KEY + "\nsecret\n");
        IOException shortKey = assertThrows(ApiKeys.InvalidApiKeyFileException.class, () -> ApiKeys.read(file));
        assertTrue(shortKey.getMessage().startsWith(file + ":2: the key has 6 characters"), shortKey.getMessage());
        Files.writeString(file, "# nothing yet\n");
        IOException none = assertThrows(ApiKeys.InvalidApiKeyFileException.class, () -> ApiKeys.read(file));
        assertTrue(none.getMessage().startsWith(file + " holds no key"), none.getMessage());
        Files.writeString(file, KEY + "é\n");
        IOException nonAscii = assertThrows(ApiKeys.InvalidApiKeyFileException.class, () -> ApiKeys.read(file));
        assertTrue(nonAscii.getMessage().contains("not printable ASCII at position 33"), nonAscii.getMessage());
    }

    /** A self-signed certificate for 127.0.0.1 made by the JDK's keytool, in a PKCS#12 keystore. */
    private Path keystore(String password) throws Exception {
        Path p12 = tmp.resolve("server.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-validity", "2", "-keystore", p12.toString(), "-storetype", "PKCS12", "-storepass", password,
                "-keypass", password).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, output);
        return p12;
    }

    private static SSLContext trusting(Path p12, String password) throws Exception {
        KeyStore server = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(p12)) {
            server.load(in, password.toCharArray());
        }
        Certificate cert = server.getCertificate("server");
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("server", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }

    @Test
    void tlsFromAKeystoreWhosePasswordComesFromAFileOrTheEnvironment() throws Exception {
        String password = "keystore-secret";
        Path p12 = keystore(password);
        Path passwordFile = tmp.resolve("password.txt");
        Files.writeString(passwordFile, password + "\n");
        TlsKeystore fromFile = TlsKeystore.of(p12, passwordFile, Map.of());
        TlsKeystore fromEnv = TlsKeystore.of(p12, null, Map.of(TlsKeystore.PASSWORD_ENV, password));
        assertEquals(password, new String(fromEnv.password()));
        IOException none = assertThrows(IOException.class, () -> TlsKeystore.of(p12, null, Map.of()));
        assertTrue(none.getMessage().contains(TlsKeystore.PASSWORD_ENV) && none.getMessage().contains(p12.toString()),
                none.getMessage());

        ServeOptions options = ServeOptions.defaults(0).withSecurity(new ServeSecurity(ApiKeys.of(KEY), fromFile, false));
        try (ClassificationServer s = serve(options);
             HttpClient https = HttpClient.newBuilder().sslContext(trusting(p12, password)).build();
             HttpClient untrusting = HttpClient.newHttpClient()) {
            assertEquals("https", s.uri().getScheme());
            HttpResponse<String> r = send(https, s.uri(), ApiHandler.CLASSIFY, "Bearer " + KEY);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"label\":\"benign\""), r.body());
            // a client that does not trust the certificate never gets to send its key
            assertThrows(SSLHandshakeException.class, () -> send(untrusting, s.uri(), ApiHandler.CLASSIFY, "Bearer " + KEY));
            // plain HTTP to the TLS port is not served
            URI plain = URI.create("http://127.0.0.1:" + s.port() + "/");
            assertThrows(IOException.class, () -> send(untrusting, plain, ApiHandler.HEALTH, null));
        }
    }
}
