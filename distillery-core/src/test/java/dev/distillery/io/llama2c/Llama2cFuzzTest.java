package dev.distillery.io.llama2c;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.testing.ParserContract;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of llama2.c's legacy checkpoints ({@link Llama2cCheckpoint#read(Path)}): any bytes give a
 * checkpoint or a {@link CheckpointFormatException} naming the file. Seeds: {@code Llama2cFuzzTestInputs/llama2cFile}
 * (two tiny checkpoints, with a shared and a separate classifier, of seeded random weights).
 */
class Llama2cFuzzTest {
    @FuzzTest
    void llama2cFile(byte[] bytes) {
        Path file = ParserContract.file("model.bin", bytes);
        ParserContract.check(CheckpointFormatException.class, file, () -> Llama2cCheckpoint.read(file).weights().size());
    }
}
