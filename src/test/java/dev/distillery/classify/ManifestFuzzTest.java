package dev.distillery.classify;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.testing.ParserContract;
import java.nio.file.Path;

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
}
