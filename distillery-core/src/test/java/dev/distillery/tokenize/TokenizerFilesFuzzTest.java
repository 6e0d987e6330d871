package dev.distillery.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.distillery.testing.ParserContract;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzzing of the tokenizer files: the first byte picks the parser (its value mod 3: tokenizer.json of
 * any model type, vocab.txt, llama2.c's tokenizer.bin; so the seeds start with '0', '1' or '2'), the rest is the
 * file. Any bytes give a tokenizer that encodes, batches and decodes a few texts, or an
 * {@link InvalidTokenizerException} naming the file. Seeds: {@code TokenizerFilesFuzzTestInputs/tokenizerFile}
 * (WordPiece, byte-level BPE cut from SmolLM2's tokenizer.json, Llama 2's BPE and llama2.c's tok512.bin, from the
 * fixtures in src/test/resources/tokenize and llama2c).
 */
class TokenizerFilesFuzzTest {
    private static final List<String> TEXTS = List.of("http://ab.com/", "Ab ÉB [MASK] 漢字 \u0000\uFFFD <|im_end|>", "");

    @FuzzTest
    void tokenizerFile(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] bytes = Arrays.copyOfRange(input, 1, input.length);
        int kind = (input[0] & 0xff) % 3;
        Path file = ParserContract.file(switch (kind) {
            case 0 -> "tokenizer.json";
            case 1 -> "vocab.txt";
            default -> "tokenizer.bin";
        }, bytes);
        ParserContract.check(InvalidTokenizerException.class, file, () -> {
            Tokenizer t = switch (kind) {
                case 0 -> Tokenizers.fromTokenizerJson(file);
                case 1 -> WordPieceTokenizer.fromVocabTxt(file, (input[0] & 4) == 0);
                default -> Tokenizers.fromLlama2c(bytes, file.toString());
            };
            for (String text : TEXTS) {
                t.decode(t.encode(text).ids(), true);
            }
            t.encodeBatch(TEXTS, 8);
        });
    }

    /** Found by the fuzzer (and known before it): a vocab.txt that is not UTF-8 ended in "error: Input length = 1". */
    @Test
    void vocabTxtThatIsNotUtf8() {
        byte[] input = ParserContract.input(getClass(), "tokenizerFile", "vocab-invalid-utf8.txt");
        Path file = ParserContract.file("vocab.txt", Arrays.copyOfRange(input, 1, input.length));
        assertEquals(file + ": bytes are not valid UTF-8 at line 12, byte 1 of the line (0x81); a vocab.txt is UTF-8 text,"
                + " one token per line", ParserContract.message(InvalidTokenizerException.class, file.toString(),
                () -> WordPieceTokenizer.fromVocabTxt(file, true)));
    }
}
