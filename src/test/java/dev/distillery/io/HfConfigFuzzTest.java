package dev.distillery.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.distillery.testing.ParserContract;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of {@code config.json} ({@link HfConfig#read}): any bytes give a config or a
 * {@link CheckpointFormatException} naming the file. Seeds: {@code HfConfigFuzzTestInputs/configJson}.
 */
class HfConfigFuzzTest {
    @FuzzTest
    void configJson(byte[] bytes) {
        Path file = ParserContract.file("config.json", bytes);
        ParserContract.check(CheckpointFormatException.class, file, () -> HfConfig.read(file));
    }
}
