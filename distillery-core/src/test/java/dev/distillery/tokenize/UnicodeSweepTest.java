package dev.distillery.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every Unicode scalar value, each between two letters ("q" + c + "q"), tokenized by Hugging Face and by us. The
 * surrounding letters tell the rules apart: a dropped character gives [q, ##q], white space [q, q], punctuation
 * [q, c, q], a kept unknown one [UNK], and stripped or lower-cased ones their own pieces.
 */
class UnicodeSweepTest {
    private static final int CHUNK = 1024;

    @Test
    void everyCodePointIsTreatedAsHuggingFaceTreatsIt() throws IOException {
        WordPieceTokenizer ours;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
            ours = WordPieceTokenizer.fromTokenizerJson(in, "all-minilm-l6-v2-tokenizer.json");
        }
        List<String> differing = new ArrayList<>();
        int count = 0;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2-tokenizer.json");
             HuggingFaceTokenizer reference = HuggingFaceTokenizer.newInstance(in,
                     Map.of("truncation", "false", "padding", "false", "maxLength", "1000000"))) {
            for (int base = 0; base <= Character.MAX_CODE_POINT; base += CHUNK) {
                // A whole chunk at once first: one reference call per chunk keeps the sweep to seconds.
                StringBuilder chunk = new StringBuilder();
                for (int cp = base; cp < base + CHUNK; cp++) {
                    if (!isSurrogate(cp)) {
                        chunk.append('q').appendCodePoint(cp).append("q ");
                    }
                }
                if (same(reference, ours, chunk.toString())) {
                    continue;
                }
                for (int cp = base; cp < base + CHUNK; cp++) {
                    String text = "q" + Character.toString(cp) + "q";
                    if (!isSurrogate(cp) && !same(reference, ours, text)) {
                        count++;
                        if (differing.size() < 20) {
                            differing.add(String.format("U+%04X (Java type %d): hugging face %s, distillery %s", cp,
                                    Character.getType(cp), Arrays.toString(reference.encode(text).getTokens()),
                                    Arrays.toString(ours.encode(text).tokens())));
                        }
                    }
                }
            }
        }
        assertTrue(count == 0, count + " code points tokenize differently; first ones:\n" + String.join("\n", differing));
    }

    private static boolean isSurrogate(int cp) {
        return cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE;
    }

    private static boolean same(HuggingFaceTokenizer reference, WordPieceTokenizer ours, String text) {
        long[] expected = reference.encode(text).getIds();
        int[] actual = ours.encode(text, WordPieceTokenizer.NO_TRUNCATION).ids();
        return Arrays.equals(expected, Arrays.stream(actual).asLongStream().toArray());
    }
}
