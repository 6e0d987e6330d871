package dev.distillery.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserErrorsTest {
    @TempDir
    Path dir;

    private record Outcome(int code, String err) {
    }

    private Outcome run(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Outcome(Main.run(args), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }

    @Test
    void aFailureIsOneSentenceAndVerboseAddsTheStackTrace() {
        String missing = dir.resolve("absent.txt").toString();
        String out = dir.resolve("o.jsonl").toString();
        Outcome plain = run("embed", "--input", missing, "--output", out);
        assertEquals(1, plain.code());
        assertTrue(plain.err().startsWith("error: "), plain.err());
        assertEquals(1, plain.err().strip().lines().count(), plain.err());
        assertFalse(plain.err().contains("\tat "), plain.err());

        Outcome verbose = run("embed", "--input", missing, "--output", out, "--verbose");
        assertEquals(1, verbose.code());
        assertTrue(verbose.err().contains("\tat dev.distillery."), verbose.err());
    }

    @Test
    void anUnknownOptionIsAUsageError() {
        assertEquals(2, run("embed", "--no-such-option").code());
    }
}
