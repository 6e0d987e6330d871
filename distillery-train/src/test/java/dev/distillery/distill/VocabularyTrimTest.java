package dev.distillery.distill;

import dev.distillery.data.BundledData;
import dev.distillery.data.Dataset;
import dev.distillery.data.ReadOptions;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.onnx.ImportedEncoder;
import dev.distillery.onnx.MiniLm;
import dev.distillery.tensor.Tensor;
import dev.distillery.tokenize.WordPieceTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VocabularyTrimTest {
    private static WordPieceTokenizer small(Path dir) throws IOException {
        Path vocab = dir.resolve("vocab.txt");
        Files.write(vocab, List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "x", "ab", "abc",
                "##b", "##c", "##bc", ".", "com", "##x", "z"));
        return WordPieceTokenizer.fromVocabTxt(vocab, true);
    }

    @Test
    void trimmedTokenizerGivesTheRemappedIdsOnTrainingTextsAndUnkForUnseenPieces(@TempDir Path dir) throws IOException {
        WordPieceTokenizer original = small(dir);
        List<String> train = List.of("abc.com", "ab c", "a b");
        VocabularyTrim trim = VocabularyTrim.fromTexts(original, train);
        // used: abc . com ab c a b, plus the five specials; x, ##b, ##c, ##bc, ##x, z never occur
        assertEquals(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "ab", "abc", ".", "com"),
                trim.tokenizer().vocab().tokens());
        assertEquals(0, trim.tokenizer().padId());
        for (String text : train) {
            assertArrayEquals(trim.remap(original.encode(text).ids()), trim.tokenizer().encode(text).ids(), text);
        }
        // "ax": the original has ##x; the trimmed vocabulary does not, so the word becomes [UNK]
        assertEquals(List.of("[CLS]", "[UNK]", "[SEP]"), List.of(trim.tokenizer().encode("ax").tokens()));
        assertEquals(List.of("[CLS]", "[UNK]", "[SEP]"), List.of(trim.tokenizer().encode("z").tokens()));
        assertThrows(IllegalArgumentException.class, () -> trim.remap(original.encode("z").ids()));
    }

    @Test
    void aMinimumCountDropsRarePiecesAndTheStudentRowsAreTheTrimmedTokenizersOwn(@TempDir Path dir) throws IOException {
        WordPieceTokenizer original = small(dir);
        // pieces: abc once; ab, b and ##c twice ("bc" is b ##c); . and com once
        List<String> train = List.of("abc", "ab bc", "ab bc.com");
        VocabularyTrim all = VocabularyTrim.fromTexts(original, train);
        VocabularyTrim twice = VocabularyTrim.fromTexts(original, train, 2);
        assertEquals(1, all.minCount());
        assertEquals(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "b", "ab", "##c"),
                twice.tokenizer().vocab().tokens());
        // "abc" lost its piece and falls back to the shorter kept ones; ".com" has none left, so each becomes [UNK]
        assertEquals(List.of("[CLS]", "ab", "##c", "[SEP]"), List.of(twice.tokenizer().encode("abc").tokens()));
        assertEquals(List.of("[CLS]", "ab", "b", "##c", "[UNK]", "[UNK]", "[SEP]"),
                List.of(twice.tokenizer().encode("ab bc.com").tokens()));

        int maxLength = 5;
        int[][] originalIds = train.stream().map(t -> original.encode(t, maxLength).ids()).toArray(int[][]::new);
        int[] labels = {0, 1, 1};
        TokenizedExamples rows = new TokenizedExamples("train", originalIds, null, labels, 2, original.padId());
        TokenizedExamples exact = all.studentRows(rows, train, maxLength);
        TokenizedExamples rare = twice.studentRows(rows, train, maxLength);
        for (int i = 0; i < train.size(); i++) {
            assertArrayEquals(all.remap(originalIds[i]), exact.ids()[i], train.get(i));
            // truncated as the teacher's rows were: [CLS] ab b ##c [SEP] for the third
            assertArrayEquals(twice.tokenizer().encode(train.get(i), maxLength).ids(), rare.ids()[i], train.get(i));
        }
        assertEquals(4, rare.ids()[0].length, "abc is now two pieces");
        assertArrayEquals(labels, rare.labels());
        assertThrows(IllegalArgumentException.class, () -> twice.remap(originalIds[0]), "abc was dropped");
        assertThrows(IllegalArgumentException.class, () -> VocabularyTrim.fromTexts(original, train, 0));
    }

    /** Real data: the bundled phishing-URL training split through MiniLM's tokenizer. */
    @Test
    void miniLmOnPhishingUrlsKeepsIdsExactAndShrinksTheEmbeddings() throws IOException {
        WordPieceTokenizer minilm;
        try (InputStream in = MiniLm.open(MiniLm.TOKENIZER_RESOURCE)) {
            minilm = WordPieceTokenizer.fromTokenizerJson(in, MiniLm.TOKENIZER_RESOURCE);
        }
        Dataset train = Dataset.load(BundledData.phishingUrls().train(), ReadOptions.defaults());
        VocabularyTrim trim = VocabularyTrim.fromTexts(minilm, train.texts());
        for (String text : train.texts()) {
            int[] expected = trim.remap(minilm.encode(text, WordPieceTokenizer.NO_TRUNCATION).ids());
            assertArrayEquals(expected, trim.tokenizer().encode(text, WordPieceTokenizer.NO_TRUNCATION).ids(), text);
        }
        ImportedEncoder imported = MiniLm.load();
        int hidden = imported.config().hiddenSize();
        long total = 0;
        for (Tensor t : imported.weights().values()) {
            total += t.data().length;
        }
        long before = (long) trim.originalSize() * hidden;
        long after = (long) trim.size() * hidden;
        assertTrue(trim.size() < trim.originalSize() / 2, "URLs use well under half of MiniLM's pieces: " + trim.size());
        System.out.printf("vocabulary trim on %s (%d texts): %d -> %d word pieces; word embeddings %d -> %d parameters"
                        + " (%.1f%% of them); MiniLM encoder %d -> %d parameters (%.1f%%)%n",
                train.name(), train.size(), trim.originalSize(), trim.size(), before, after, 100.0 * after / before,
                total, total - before + after, 100.0 * (total - before + after) / total);
    }
}
