package dev.distillery.tokenize;

import dev.distillery.testing.SharedDatasets;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Ids must equal those of Hugging Face tokenizers (the Rust library, through DJL's JNI binding, whose jar carries
 * the native library so this runs offline) for the all-MiniLM-L6-v2 tokenizer.json on every URL of the shared
 * datasets and on strings built to hit each normalization rule.
 */
class HuggingFaceParityTest {
    private static final String RESOURCE = "all-minilm-l6-v2-tokenizer.json";
    // Turns off the file's truncation (128) and fixed padding so whole sequences are compared.
    private static final Map<String, String> UNLIMITED = Map.of("truncation", "false", "padding", "false",
            "maxLength", "1000000");

    @TempDir
    static Path dir;
    private static Path uncasedJson;
    private static Path casedJson;
    private static HuggingFaceTokenizer reference;
    private static HuggingFaceTokenizer referenceAsConfigured;
    private static HuggingFaceTokenizer casedReference;

    @BeforeAll
    static void load() throws IOException {
        uncasedJson = dir.resolve("uncased.json");
        try (InputStream in = HuggingFaceParityTest.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            assertTrue(in != null, RESOURCE + " must be on the test classpath (langchain4j MiniLM artifact)");
            Files.copy(in, uncasedJson);
        }
        // Same vocabulary, but the normalizer keeps case and (strip_accents null follows lowercase) accents.
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(uncasedJson.toFile());
        ((ObjectNode) root.get("normalizer")).put("lowercase", false);
        casedJson = dir.resolve("cased.json");
        json.writeValue(casedJson.toFile(), root);

        reference = HuggingFaceTokenizer.newInstance(uncasedJson, UNLIMITED);
        referenceAsConfigured = HuggingFaceTokenizer.newInstance(uncasedJson);
        casedReference = HuggingFaceTokenizer.newInstance(casedJson, UNLIMITED);
    }

    @AfterAll
    static void close() {
        for (HuggingFaceTokenizer t : new HuggingFaceTokenizer[] {reference, referenceAsConfigured, casedReference}) {
            if (t != null) {
                t.close();
            }
        }
    }

    @Test
    void everyDatasetUrlGivesTheSameIdsAsHuggingFace() throws IOException {
        WordPieceTokenizer ours = WordPieceTokenizer.fromTokenizerJson(uncasedJson);
        Mismatches mismatches = new Mismatches();
        int compared = 0;
        int longerThanDefault = 0;
        int defaultLength = ours.config().truncation().maxLength();
        for (String file : UrlDatasets.FILES) {
            List<String> urls = SharedDatasets.urls(file);
            assertTrue(urls.size() > 100, file + " should hold the split's URLs, found " + urls.size());
            for (String url : urls) {
                var full = reference.encode(url);
                Encoding mine = ours.encode(url, WordPieceTokenizer.NO_TRUNCATION);
                mismatches.compare(file + " (whole)", url, full.getIds(), mine.ids(), full.getTokens(), mine.tokens());

                if (mine.length() > defaultLength) {
                    // The file's own settings (truncation to 128, fixed padding) against encode(String), which
                    // truncates alike but never pads. Only long URLs can differ from the whole encoding, and the
                    // reference costs tens of microseconds a call, so short ones are not encoded twice.
                    var configured = referenceAsConfigured.encode(url);
                    int real = (int) Arrays.stream(configured.getAttentionMask()).sum();
                    Encoding truncated = ours.encode(url);
                    mismatches.compare(file + " (truncated)", url, Arrays.copyOf(configured.getIds(), real),
                            truncated.ids(), Arrays.copyOf(configured.getTokens(), real), truncated.tokens());
                    longerThanDefault++;
                    compared++;
                }
                compared++;
            }
        }
        System.out.printf("tokenizer parity: %d encodings of %d dataset files compared, %d URLs longer than %d tokens%n",
                compared, UrlDatasets.FILES.size(), longerThanDefault, defaultLength);
        assertTrue(longerThanDefault > 0, "some URLs should exceed the default length, or truncation went untested");
        mismatches.assertNone(compared);
    }

    static List<String> craftedTexts() {
        List<String> texts = new ArrayList<>(List.of(
                "",
                " ",
                "\t\n\r",
                "Hello, World!",
                "HTTPS://Example.COM/Path?Query=Value&x=1#frag",
                "café naïve résumé ÅNGSTRÖM Ørsted façade",
                "İstanbul ΣΊΣΥΦΟΣ ΌΔΥΣΣΕΑΣ straße ǅemal ﬁle",
                "中文字符 and 日本語のテキスト 한국어 텍스트",
                "𠀀𠀁 CJK extension B, 丽 compatibility",
                "emoji 😀😃 👍🏽 👨‍👩‍👧 🇫🇷 flags ❤️",
                "zero\u200Bwidth\u200Cjoin\u200D and soft\u00ADhyphen and bom\uFEFFhere",
                "ctrl\u0000nul\u0001soh\u0007bel\u001Fus\u007Fdel\u0085nel\u009Fapc",
                "replacement\uFFFDchar and nbsp\u00A0and ideographic\u3000space and em\u2003space",
                "line\u2028sep para\u2029sep narrow\u202Fnbsp",
                "punct: !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ ¡¿ «» „“ — … · ‰ § ¶",
                "unicode dashes ‐‑‒–—― and quotes ‘’‚‛“”",
                "x".repeat(100),
                "x".repeat(101),
                "é".repeat(100) + " " + "e\u0301".repeat(60),
                "😀".repeat(60) + " " + "😀".repeat(101),
                "supercalifragilisticexpialidocious antidisestablishmentarianism",
                "[CLS] [SEP] [MASK] [PAD] [UNK] [cls] x[SEP]y [[MASK]] [MAS K]",
                "unaffable unwantedrunning ##ing ## #",
                "123.456,789 1e10 0x1F 3.14159",
                "A\u030A\u0301 combining on capitals Ǻ and \u0301leading mark",
                "\uD800\uDC00 linear b, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math, 🄰 squared"));
        // The longest word a URL run can make, split at the 100-code-point limit from both sides.
        texts.add("a".repeat(99) + "😀");
        texts.add("a".repeat(100) + "😀");
        return texts;
    }

    @Test
    void craftedStringsGiveTheSameIdsAsHuggingFace() throws IOException {
        WordPieceTokenizer uncased = WordPieceTokenizer.fromTokenizerJson(uncasedJson);
        WordPieceTokenizer cased = WordPieceTokenizer.fromTokenizerJson(casedJson);
        Mismatches mismatches = new Mismatches();
        List<String> texts = craftedTexts();
        for (String text : texts) {
            var expected = reference.encode(text);
            Encoding actual = uncased.encode(text, WordPieceTokenizer.NO_TRUNCATION);
            mismatches.compare("uncased", text, expected.getIds(), actual.ids(), expected.getTokens(), actual.tokens());
            var expectedCased = casedReference.encode(text);
            Encoding actualCased = cased.encode(text, WordPieceTokenizer.NO_TRUNCATION);
            mismatches.compare("cased", text, expectedCased.getIds(), actualCased.ids(), expectedCased.getTokens(),
                    actualCased.tokens());
        }
        mismatches.assertNone(2 * texts.size());
    }

    @Test
    void casedNormalizerGivesTheSameIdsOnPhishingUrls() throws IOException {
        WordPieceTokenizer cased = WordPieceTokenizer.fromTokenizerJson(casedJson);
        assertEquals(new BertNormalizer(true, true, false, false), cased.config().normalizer());
        Mismatches mismatches = new Mismatches();
        int compared = 0;
        for (String file : UrlDatasets.FILES.subList(0, 3)) {
            for (String url : SharedDatasets.urls(file)) {
                var expected = casedReference.encode(url);
                Encoding actual = cased.encode(url, WordPieceTokenizer.NO_TRUNCATION);
                mismatches.compare(file, url, expected.getIds(), actual.ids(), expected.getTokens(), actual.tokens());
                compared++;
            }
        }
        mismatches.assertNone(compared);
    }

    @Test
    void vocabTxtTokenizerMatchesTheTokenizerJsonPipeline() throws IOException {
        // BertTokenizerFast(vocab.txt, do_lower_case=True) builds the same pipeline as this tokenizer.json, so the
        // vocabulary written back out and reloaded must give the reference's ids too.
        Path vocabTxt = dir.resolve("vocab.txt");
        WordPieceTokenizer.fromTokenizerJson(uncasedJson).writeVocab(vocabTxt);
        WordPieceTokenizer fromVocab = WordPieceTokenizer.fromVocabTxt(vocabTxt, true);
        assertEquals(30522, fromVocab.vocabSize());
        Mismatches mismatches = new Mismatches();
        List<String> texts = new ArrayList<>(craftedTexts());
        texts.addAll(SharedDatasets.urls("malicious-urls/test.csv.gz"));
        for (String text : texts) {
            var expected = reference.encode(text);
            Encoding actual = fromVocab.encode(text);
            mismatches.compare("vocab.txt", text, expected.getIds(), actual.ids(), expected.getTokens(), actual.tokens());
        }
        mismatches.assertNone(texts.size());
    }

    @Test
    void decodingGivesTheSameTextAsHuggingFace() throws IOException {
        Tokenizer ours = WordPieceTokenizer.fromTokenizerJson(uncasedJson);
        List<String> texts = new ArrayList<>(craftedTexts());
        texts.addAll(List.of("I don't know, isn't it? You're 'right' . I've seen it ! do not", "a ' b"));
        texts.addAll(SharedDatasets.urls("phishing-urls/test.csv.gz").subList(0, 200));
        Mismatches mismatches = new Mismatches();
        for (String text : texts) {
            int[] ids = ours.encode(text).ids();
            long[] asLong = Arrays.stream(ids).asLongStream().toArray();
            for (boolean skip : new boolean[] {true, false}) {
                mismatches.compareText("decode (skip " + skip + ")", text, reference.decode(asLong, skip),
                        ours.decode(ids, skip));
            }
        }
        mismatches.assertNone(2 * texts.size());
    }
}
