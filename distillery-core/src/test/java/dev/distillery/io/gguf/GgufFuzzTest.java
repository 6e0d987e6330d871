package dev.distillery.io.gguf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.testing.ParserContract;
import dev.distillery.tokenize.BpeTokenizer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of GGUF ({@link GgufFile#open}, the memory-mapped path every command takes): any bytes
 * give a file whose metadata, every tensor and its tokenizer (when it has one) read without error, or a
 * {@link CheckpointFormatException} naming the file. Seeds: {@code GgufFuzzTestInputs/ggufFile} (the reference file
 * of scripts/fixtures/make_gguf_reference.py).
 */
class GgufFuzzTest {
    @FuzzTest
    void ggufFile(byte[] bytes) {
        Path file = ParserContract.file("model.gguf", bytes);
        ParserContract.check(CheckpointFormatException.class, file, () -> readEverything(file));
    }

    private static void readEverything(Path file) throws IOException {
        try (GgufFile gguf = GgufFile.open(file)) {
            gguf.metadata().forEach((key, value) -> value.toString());
            for (GgufTensorInfo t : gguf.tensors()) {
                if (t.byteSize() > 1 << 24) {
                    continue; // a header may promise any size the file really holds; the fuzzer's inputs are small
                }
                gguf.tensor(t.name());
                switch (t.type()) {
                    case F32, F16, BF16 -> gguf.toTensor(t.name());
                    case Q8_0 -> gguf.q8_0(t.name());
                    case Q4_0 -> gguf.q4_0(t.name());
                    default -> {
                    }
                }
            }
            if (GgufTokenizer.present(gguf)) {
                BpeTokenizer tokenizer = GgufTokenizer.read(gguf);
                tokenizer.decode(tokenizer.encode("Once upon a time, 漢字 \u0000").ids(), false);
            }
        }
    }
}
