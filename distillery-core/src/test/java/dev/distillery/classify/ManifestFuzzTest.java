package dev.distillery.classify;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.testing.ParserContract;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzzing of {@value Manifest#FILE} ({@link Manifest#read}): any bytes give a manifest or a
 * {@link CheckpointFormatException} naming the file. Seeds: {@code ManifestFuzzTestInputs/manifest}.
 */
class ManifestFuzzTest {
    @FuzzTest
    void manifest(byte[] bytes) {
        Path file = ParserContract.file(Manifest.FILE, bytes);
        ParserContract.check(CheckpointFormatException.class, file, () -> Manifest.read(file));
    }

    /** Found by the fuzzer: '{' and zero bytes make Jackson guess UTF-32, and it threw a bare CharConversionException. */
    @Test
    void bytesJacksonTakesForUtf32() {
        Path file = ParserContract.file(Manifest.FILE, ParserContract.input(getClass(), "manifest", "utf32-guess.json"));
        String message = ParserContract.message(CheckpointFormatException.class, file.toString(), () -> Manifest.read(file));
        assertTrue(message.startsWith(file + " is not UTF-8 JSON text (Invalid UTF-32 character"), message);
    }
}
