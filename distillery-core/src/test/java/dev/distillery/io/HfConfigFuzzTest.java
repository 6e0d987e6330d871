package dev.distillery.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.distillery.testing.ParserContract;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzzing of {@code config.json} of every registered model family ({@link HfConfig#readAny}): any
 * bytes give a config or a
 * {@link CheckpointFormatException} naming the file. Seeds: {@code HfConfigFuzzTestInputs/configJson}.
 */
class HfConfigFuzzTest {
    @FuzzTest
    void configJson(byte[] bytes) {
        Path file = ParserContract.file("config.json", bytes);
        ParserContract.check(CheckpointFormatException.class, file, () -> HfConfig.readAny(file));
    }

    /** Found by the fuzzer: '{' and zero bytes make Jackson guess UTF-32, and it threw a bare CharConversionException. */
    @Test
    void bytesJacksonTakesForUtf32() {
        Path file = ParserContract.file("config.json", ParserContract.input(getClass(), "configJson", "utf32-guess.json"));
        assertEquals(file + " is not UTF-8 JSON text (Invalid UTF-32 character 0x21ff0000 (above 0x0010ffff) at char #30,"
                + " byte #123))", ParserContract.message(CheckpointFormatException.class, file.toString(), () -> HfConfig.read(file)));
    }
}
