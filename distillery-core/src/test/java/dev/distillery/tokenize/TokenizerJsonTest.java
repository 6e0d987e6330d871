package dev.distillery.tokenize;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tokenizer.json settings other than MiniLM's: left truncation and padding, rounding, BertProcessing, casing. */
class TokenizerJsonTest {
    // ids: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 a=4 b=5 c=6 ##b=7 Cafe=8
    private static final String VOCAB = """
            {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "a": 4, "b": 5, "c": 6, "##b": 7, "Cafe": 8}""";

    private static WordPieceTokenizer read(String json) throws IOException {
        return WordPieceTokenizer.fromTokenizerJson(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)),
                "test.json");
    }

    private static String tokenizer(String normalizer, String postProcessor, String truncation, String padding) {
        return """
                {"version": "1.0", "truncation": %s, "padding": %s,
                 "added_tokens": [{"id": 0, "content": "[PAD]", "normalized": false, "special": true},
                                  {"id": 3, "content": "[SEP]", "normalized": false, "special": true}],
                 "normalizer": %s, "pre_tokenizer": {"type": "BertPreTokenizer"}, "post_processor": %s,
                 "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                           "max_input_chars_per_word": 3, "vocab": %s}}
                """.formatted(truncation, padding, normalizer, postProcessor, VOCAB);
    }

    private static final String CASED_STRIPPED = """
            {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
             "strip_accents": true, "lowercase": false}""";
    private static final String BERT_PROCESSING = """
            {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]}""";

    @Test
    void leftTruncationAndLeftPaddingToAMultiple() throws IOException {
        WordPieceTokenizer tok = read(tokenizer(CASED_STRIPPED, BERT_PROCESSING,
                """
                {"direction": "Left", "max_length": 4, "strategy": "LongestFirst", "stride": 0}""",
                """
                {"strategy": "BatchLongest", "direction": "Left", "pad_to_multiple_of": 8, "pad_id": 0,
                 "pad_type_id": 1, "pad_token": "[PAD]"}"""));
        assertEquals(new BertNormalizer(true, true, true, false), tok.config().normalizer());
        // Left truncation keeps the end of the text: "a b c" -> [CLS] b c [SEP].
        assertEquals(List.of("[CLS]", "b", "c", "[SEP]"), List.of(tok.encode("a b c").tokens()));
        // Casing kept, accent stripped; a word over 3 code points is [UNK] whatever the vocabulary holds.
        assertEquals(List.of("[CLS]", "[UNK]", "a", "##b", "[SEP]"),
                List.of(tok.encode("Café ab", WordPieceTokenizer.NO_TRUNCATION).tokens()));
        Batch b = tok.encodeBatch(List.of("a", "a b c"), 4);
        assertEquals(8, b.seqLen());
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 2, 4, 3, 0, 0, 0, 0, 2, 5, 6, 3}, b.ids());
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0}, b.typeIds());
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1}, b.mask());
    }

    @Test
    void noPostProcessorAddsNoSpecialTokens() throws IOException {
        WordPieceTokenizer tok = read(tokenizer("null", "null", "null", "null"));
        assertEquals(0, tok.specialTokenCount());
        assertEquals(-1, tok.clsId());
        // No normalizer: case is kept, so "A" is unknown; [SEP] in the text is still matched as an added token.
        assertEquals(List.of("[UNK]", "b", "[SEP]", "c"), List.of(tok.encode("A b[SEP]c").tokens()));
    }

    @Test
    void unsupportedOrInconsistentSettingsNameTheirField() {
        String lstrip = tokenizer("null", "null", "null", "null").replace("\"special\": true}", "\"lstrip\": true}");
        InvalidTokenizerException e = assertThrows(InvalidTokenizerException.class, () -> read(lstrip));
        assertTrue(e.getMessage().contains("added_tokens.lstrip"), e.getMessage());

        String padMismatch = tokenizer("null", "null", "null", """
                {"pad_id": 5, "pad_token": "[PAD]"}""");
        e = assertThrows(InvalidTokenizerException.class, () -> read(padMismatch));
        assertTrue(e.getMessage().contains("padding.pad_id"), e.getMessage());

        String metaspace = tokenizer("null", "null", "null", "null").replace("BertPreTokenizer", "Metaspace");
        e = assertThrows(InvalidTokenizerException.class, () -> read(metaspace));
        assertTrue(e.getMessage().contains("pre_tokenizer.type") && e.getMessage().contains("test.json"), e.getMessage());

        String gap = tokenizer("null", "null", "null", "null").replace("\"Cafe\": 8", "\"Cafe\": 9");
        e = assertThrows(InvalidTokenizerException.class, () -> read(gap));
        assertTrue(e.getMessage().contains("model.vocab"), e.getMessage());
    }
}
