package dev.distillery.classify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The cache's key and fingerprint are what they say, its record round-trips, and its rows read back exactly. */
class LogitsCacheTest {
    @TempDir
    Path dir;

    @Test
    void theKeyIsTheSha256OfTheUtf8Text() {
        // the example of FIPS 180-2, appendix B.1
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", LogitsCache.key("abc"));
        assertNotEquals(LogitsCache.key("paypal.com/login"), LogitsCache.key("paypal.com/login/"));
    }

    @Test
    void theFingerprintFollowsTheFilesNotTheFolder() throws Exception {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path b = Files.createDirectories(dir.resolve("b"));
        for (Path p : List.of(a, b)) {
            Files.writeString(p.resolve("config.json"), "{}");
            Files.write(p.resolve("model.safetensors"), new byte[] {1, 2, 3});
        }
        assertEquals(LogitsCache.fingerprint(a), LogitsCache.fingerprint(b), "same files elsewhere, same teacher");
        Files.write(b.resolve("model.safetensors"), new byte[] {1, 2, 4});
        assertNotEquals(LogitsCache.fingerprint(a), LogitsCache.fingerprint(b), "one changed weight byte");
    }

    @Test
    void rowsReadBackExactlyAndABadCacheIsNamed() throws Exception {
        LogitsCache record = new LogitsCache("t", "0".repeat(64), List.of("benign", "phishing"), "url-normalize", 64, 2,
                "2026-01-01T00:00:00Z");
        Files.createDirectories(dir.resolve(LogitsCache.JSONL_DIR));
        Files.writeString(dir.resolve(LogitsCache.FILE), record.toJsonString());
        float tiny = Float.MIN_VALUE;
        float odd = Math.nextUp(0.1f);
        Files.writeString(dir.resolve(LogitsCache.JSONL_DIR).resolve("part-00000.json"),
                "{\"key\":\"" + LogitsCache.key("a") + "\",\"logits\":[" + tiny + "," + odd + "]}\n"
                        + "{\"key\":\"" + LogitsCache.key("b") + "\",\"logits\":[-3.5,1E10]}\n");
        LogitsCache read = LogitsCache.read(dir);
        assertEquals(record, read);
        Map<String, float[]> found = read.lookup(dir, Set.of(LogitsCache.key("a"), LogitsCache.key("z")));
        assertEquals(Set.of(LogitsCache.key("a")), found.keySet());
        assertArrayEquals(new float[] {tiny, odd}, found.get(LogitsCache.key("a")), 0f);

        LogitsCache more = new LogitsCache("t", "0".repeat(64), List.of("benign", "phishing"), "url-normalize", 64, 3, "");
        LogitsCacheException e = assertThrows(LogitsCacheException.class, () -> more.lookup(dir, Set.of()));
        assertTrue(e.getMessage().contains("should hold 3 rows") && e.getMessage().contains("hold 2"), e.getMessage());

        Files.writeString(dir.resolve(LogitsCache.FILE), record.toJsonString().replace("\"format_version\" : 1",
                "\"format_version\" : 9"));
        e = assertThrows(LogitsCacheException.class, () -> LogitsCache.read(dir));
        assertTrue(e.getMessage().contains("format_version 9"), e.getMessage());
    }
}
