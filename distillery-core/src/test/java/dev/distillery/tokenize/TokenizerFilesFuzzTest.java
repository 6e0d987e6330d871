package dev.distillery.tokenize;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import dev.distillery.testing.ParserContract;
import java.nio.file.Path;
import java.util.List;

/**
 * Coverage-guided fuzzing of the tokenizer files: the first byte picks the parser (even: tokenizer.json,
 * odd: vocab.txt, so the seeds start with '0' or '1'), the rest is the file. Any bytes give a tokenizer that
 * encodes and decodes a few texts, or an {@link InvalidTokenizerException} naming the file. Seeds:
 * {@code TokenizerFilesFuzzTestInputs/tokenizerFile}.
 */
class TokenizerFilesFuzzTest {
    private static final List<String> TEXTS = List.of("http://ab.com/", "Ab ÉB [MASK] 漢字 \u0000\uFFFD", "");

    @FuzzTest
    void tokenizerFile(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] bytes = java.util.Arrays.copyOfRange(input, 1, input.length);
        boolean json = (input[0] & 1) == 0;
        Path file = ParserContract.file(json ? "tokenizer.json" : "vocab.txt", bytes);
        ParserContract.check(InvalidTokenizerException.class, file, () -> {
            WordPieceTokenizer t = json ? WordPieceTokenizer.fromTokenizerJson(file)
                    : WordPieceTokenizer.fromVocabTxt(file, (input[0] & 2) == 0);
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
        Path file = ParserContract.file("vocab.txt", java.util.Arrays.copyOfRange(input, 1, input.length));
        assertEquals(file + ": bytes are not valid UTF-8 at line 12, byte 1 of the line (0x81); a vocab.txt is UTF-8 text,"
                + " one token per line", ParserContract.message(InvalidTokenizerException.class, file.toString(),
                () -> WordPieceTokenizer.fromVocabTxt(file, true)));
    }
}
