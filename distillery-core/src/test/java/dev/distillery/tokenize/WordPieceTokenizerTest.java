package dev.distillery.tokenize;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rules one at a time on a hand-written vocabulary, where each expected split follows from the vocabulary by
 * reading it; the parity test covers the same ground against Hugging Face on a real one.
 */
class WordPieceTokenizerTest {
    private static final List<String> VOCAB = List.of(
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
            "un", "##aff", "##able", "want", "##ed", "runn", "##ing", "run", ",", ".", "!", "/", ":", "-",
            "cafe", "naive", "中", "文", "hello", "world", "h", "##e", "##l", "##o", "a", "##a", "😀", "##😀", "x",
            "Hello", "café");

    @TempDir
    static Path dir;
    private static Path vocabTxt;
    private static WordPieceTokenizer uncased;
    private static WordPieceTokenizer cased;

    @BeforeAll
    static void load() throws IOException {
        vocabTxt = dir.resolve("vocab.txt");
        Files.write(vocabTxt, VOCAB, StandardCharsets.UTF_8);
        uncased = WordPieceTokenizer.fromVocabTxt(vocabTxt, true);
        cased = WordPieceTokenizer.fromVocabTxt(vocabTxt, false);
    }

    private static List<String> pieces(WordPieceTokenizer tok, String text) {
        return List.of(tok.tokens(tok.tokenize(text)));
    }

    @Test
    void greedyLongestMatchWithContinuationPrefix() {
        assertEquals(List.of("un", "##aff", "##able", ",", "want", "##ed", "runn", "##ing"),
                pieces(uncased, "unaffable, wanted running"));
        // "runn" is longer than "run", so it wins even though "##ing" then has to follow it.
        assertEquals(List.of("runn", "##ing"), pieces(uncased, "RUNNING"));
        // A whole-word entry beats its pieces; without one the word falls back to single characters.
        assertEquals(List.of("hello"), pieces(uncased, "hello"));
        assertEquals(List.of("h", "##e", "##l", "##o"), pieces(uncased, "helo"));
    }

    @Test
    void unmatchedRemainderMakesTheWholeWordUnknown() {
        // "un" + "##aff" match, then "z" has no piece: the word is one [UNK], not a partial split.
        assertEquals(List.of("[UNK]", "want"), pieces(uncased, "unaffz want"));
    }

    @Test
    void accentsAreStrippedOnlyWhenLowerCasing() {
        assertEquals(List.of("cafe", "naive"), pieces(uncased, "Café NAÏVE"));
        assertEquals(List.of("café", "[UNK]"), pieces(cased, "café NAÏVE"));
        assertEquals(List.of("Hello", "[UNK]"), pieces(cased, "Hello HELLO"));
    }

    @Test
    void cjkIdeographsBecomeSeparateWords() {
        assertEquals(List.of("hello", "中", "文", "world"), pieces(uncased, "hello中文world"));
    }

    @Test
    void surrogatePairsAreOneCharacter() {
        // U+1F600 is two Java chars; as one code point it matches "😀" and "##😀".
        assertEquals(List.of("😀", "##😀", "##😀"), pieces(uncased, "😀😀😀"));
        assertEquals(List.of("a", "##😀"), pieces(uncased, "a😀"));
    }

    @Test
    void controlCharactersAreDroppedAndWhitespaceSplits() {
        assertEquals(List.of("hello"), pieces(uncased, "hel\u0000l\u0007o\uFFFD\u200B"));
        assertEquals(List.of("hello", "world"), pieces(uncased, "hello\u00A0world"));
        assertEquals(List.of("hello", "world"), pieces(uncased, "\t hello\r\n\u3000world \u2003"));
    }

    @Test
    void punctuationIsSplitOffIncludingAsciiSymbols() {
        assertEquals(List.of("hello", ":", "/", "/", "world", ".", "x", "!"), pieces(uncased, "hello://world.x!"));
        // '$' and '+' are symbols (Sc, Sm) to Unicode but punctuation to BERT's ASCII rule: each stands alone.
        assertEquals(List.of("x", "[UNK]", "x", "[UNK]", "x"), pieces(uncased, "x$x+x"));
        // U+2014 EM DASH is Unicode punctuation (Pd).
        assertEquals(List.of("x", "[UNK]", "x"), pieces(uncased, "x\u2014x"));
    }

    @Test
    void wordsLongerThanTheLimitAreUnknownCountingCodePoints() {
        assertEquals(List.of("a", "##a"), pieces(uncased, "aa"));
        assertEquals(100, pieces(uncased, "a".repeat(100)).size());
        assertEquals(List.of("[UNK]"), pieces(uncased, "a".repeat(101)));
        // 100 emoji are 200 chars but 100 code points, so they are still split.
        assertEquals(100, pieces(uncased, "😀".repeat(100)).size());
        assertEquals(List.of("[UNK]"), pieces(uncased, "😀".repeat(101)));
    }

    @Test
    void specialTokensInTheTextAreKeptWhole() {
        assertEquals(List.of("x", "[MASK]", "x", "[SEP]"), pieces(uncased, "x[MASK]x [SEP]"));
        // Lower-case spelling is not the special token; it is normalized and split like any text.
        assertEquals(List.of("[UNK]", "[UNK]", "[UNK]"), pieces(uncased, "[mask]"));
    }

    @Test
    void emptyTextIsJustTheSpecialTokens() {
        Encoding e = uncased.encode("");
        assertArrayEquals(new String[] {"[CLS]", "[SEP]"}, e.tokens());
        assertArrayEquals(new int[] {uncased.clsId(), uncased.sepId()}, e.ids());
        assertArrayEquals(new int[] {0, 0}, e.typeIds());
        assertArrayEquals(new int[] {1, 1}, e.attentionMask());
        assertEquals(e.ids().length, uncased.encode(" \u0000\t").ids().length);
    }

    @Test
    void truncationKeepsTheSpecialTokens() {
        Encoding e = uncased.encode("hello world hello world", 4);
        assertEquals(List.of("[CLS]", "hello", "world", "[SEP]"), List.of(e.tokens()));
        assertEquals(2 + 4, uncased.encode("hello world hello world").length(), "vocab.txt tokenizers do not truncate");
        assertEquals(List.of("[CLS]", "[SEP]"), List.of(uncased.encode("hello", 2).tokens()));
        assertThrows(IllegalArgumentException.class, () -> uncased.encode("hello", 1));
    }

    @Test
    void batchPadsToTheLongestWithMaskZero() {
        Batch b = uncased.encodeBatch(List.of("hello", "hello world !", ""), 16);
        assertEquals(3, b.batch());
        assertEquals(5, b.seqLen());
        int pad = uncased.padId();
        int cls = uncased.clsId();
        int sep = uncased.sepId();
        int hello = uncased.vocab().id("hello");
        int world = uncased.vocab().id("world");
        int bang = uncased.vocab().id("!");
        assertArrayEquals(new int[] {
                cls, hello, sep, pad, pad,
                cls, hello, world, bang, sep,
                cls, sep, pad, pad, pad}, b.ids());
        assertArrayEquals(new int[] {
                1, 1, 1, 0, 0,
                1, 1, 1, 1, 1,
                1, 1, 0, 0, 0}, b.mask());
        assertArrayEquals(new int[15], b.typeIds());
        assertEquals(3, b.length(0));
        // maxLength applies per text before padding.
        assertEquals(3, uncased.encodeBatch(List.of("hello world !"), 3).seqLen());
        assertEquals(0, uncased.encodeBatch(List.of(), 8).batch());
    }

    @Test
    void specialIdsComeFromTheVocabulary() {
        assertEquals(VOCAB.size(), uncased.vocabSize());
        assertEquals(0, uncased.padId());
        assertEquals(1, uncased.unkId());
        assertEquals(2, uncased.clsId());
        assertEquals(3, uncased.sepId());
        assertEquals(4, uncased.maskId());
        assertArrayEquals(new String[] {"[CLS]", "hello", "##😀"}, uncased.tokens(new int[] {2, 23, 32}));
    }

    @Test
    void vocabRoundTripsThroughVocabTxt() throws IOException {
        Path copy = dir.resolve("copy.txt");
        uncased.writeVocab(copy);
        assertEquals(Files.readAllLines(vocabTxt), Files.readAllLines(copy));
        WordPieceTokenizer reloaded = WordPieceTokenizer.fromVocabTxt(copy, true);
        assertArrayEquals(uncased.encode("Unaffable café!").ids(), reloaded.encode("Unaffable café!").ids());
    }

    @Test
    void retainedVocabularyRemapsIds() {
        // Keep the specials and the pieces of "hello world", in a new order.
        int[] kept = {0, 1, 2, 3, uncased.vocab().id("world"), uncased.vocab().id("hello")};
        WordPieceTokenizer trimmed = uncased.withVocab(uncased.vocab().retain(kept));
        assertEquals(6, trimmed.vocabSize());
        assertArrayEquals(new int[] {2, 5, 4, 3}, trimmed.encode("Hello world").ids());
        assertArrayEquals(new int[] {2, 1, 3}, trimmed.encode("cafe").ids());
    }

    @Test
    void badVocabularyFilesAreRejectedWithTheirName() throws IOException {
        Path dup = dir.resolve("dup.txt");
        Files.write(dup, List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "x", "x"));
        InvalidTokenizerException e = assertThrows(InvalidTokenizerException.class,
                () -> WordPieceTokenizer.fromVocabTxt(dup, true));
        assertTrue(e.getMessage().contains("dup.txt") && e.getMessage().contains("'x'"), e.getMessage());

        Path noUnk = dir.resolve("nounk.txt");
        Files.write(noUnk, List.of("[PAD]", "[CLS]", "[SEP]", "x"));
        e = assertThrows(InvalidTokenizerException.class, () -> WordPieceTokenizer.fromVocabTxt(noUnk, true));
        assertTrue(e.getMessage().contains("[UNK]"), e.getMessage());
    }

    @Test
    void unsupportedTokenizerJsonIsRejectedByField() {
        String bpe = "{\"model\": {\"type\": \"BPE\", \"vocab\": {}}}";
        InvalidTokenizerException e = assertThrows(InvalidTokenizerException.class, () ->
                WordPieceTokenizer.fromTokenizerJson(new ByteArrayInputStream(bpe.getBytes(StandardCharsets.UTF_8)), "bpe.json"));
        assertTrue(e.getMessage().contains("bpe.json") && e.getMessage().contains("model.type"), e.getMessage());

        String notJson = "{\"model\": ";
        e = assertThrows(InvalidTokenizerException.class, () ->
                WordPieceTokenizer.fromTokenizerJson(new ByteArrayInputStream(notJson.getBytes(StandardCharsets.UTF_8)), "cut.json"));
        assertTrue(e.getMessage().contains("cut.json"), e.getMessage());
    }
}
