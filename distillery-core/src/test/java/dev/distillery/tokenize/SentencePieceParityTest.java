package dev.distillery.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SentencePiece-style BPE with byte fallback. A Llama 2 style tokenizer.json (built from
 * stories260K's tok512.bin by scripts/fixtures/make_llama2c_tokenizer_json.py) must give the ids
 * and text of Hugging Face tokenizers through DJL, in its legacy form (Prepend and Replace
 * normalizers) and in the Metaspace forms of later Llama and Mistral files; tok512.bin itself must
 * give llama2.c's own encode() and decode() output (scripts/fixtures/make_llama2c_encode_fixture.py).
 */
class SentencePieceParityTest {
    static final String TOK512 = "llama2c/stories260K/tok512.bin";
    static final String TOK512_JSON = "tokenize/tok512-llama2-tokenizer.json";
    private static final Map<String, String> UNLIMITED = Map.of("truncation", "false", "padding", "false",
            "maxLength", "1000000");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static final Map<String, Path> files = new LinkedHashMap<>();
    private static final Map<String, HuggingFaceTokenizer> references = new LinkedHashMap<>();

    @BeforeAll
    static void load() throws IOException {
        Path legacy = dir.resolve("legacy.json");
        try (InputStream in = resource(TOK512_JSON)) {
            Files.copy(in, legacy);
        }
        files.put("legacy", legacy);
        ObjectNode root = (ObjectNode) JSON.readTree(legacy.toFile());
        // transformers' LlamaConverter with legacy=False: no normalizer, Metaspace prepending to the first piece only.
        root.putNull("normalizer");
        root.set("pre_tokenizer", JSON.createObjectNode().put("type", "Metaspace").put("replacement", "\u2581")
                .put("prepend_scheme", "first").put("split", false));
        files.put("metaspace-first", write("metaspace-first", root));
        // Metaspace as older SentencePiece conversions wrote it: prepend always, split at each space.
        root.set("pre_tokenizer", JSON.createObjectNode().put("type", "Metaspace").put("replacement", "\u2581")
                .put("prepend_scheme", "always").put("split", true));
        ArrayNode decoders = JSON.createArrayNode();
        decoders.add(JSON.createObjectNode().put("type", "ByteFallback"));
        decoders.add(JSON.createObjectNode().put("type", "Metaspace").put("replacement", "\u2581")
                .put("prepend_scheme", "always").put("split", true));
        ObjectNode decoder = JSON.createObjectNode().put("type", "Sequence");
        decoder.set("decoders", decoders);
        root.set("decoder", decoder);
        files.put("metaspace-always", write("metaspace-always", root));
        for (Map.Entry<String, Path> f : files.entrySet()) {
            references.put(f.getKey(), HuggingFaceTokenizer.newInstance(f.getValue(), UNLIMITED));
        }
    }

    @AfterAll
    static void close() {
        references.values().forEach(HuggingFaceTokenizer::close);
    }

    static InputStream resource(String name) {
        InputStream in = SentencePieceParityTest.class.getClassLoader().getResourceAsStream(name);
        assertTrue(in != null, name + " must be on the test classpath");
        return in;
    }

    private static Path write(String name, JsonNode root) throws IOException {
        Path p = dir.resolve(name + ".json");
        JSON.writeValue(p.toFile(), root);
        return p;
    }

    static BpeTokenizer tok512() throws IOException {
        try (InputStream in = resource(TOK512)) {
            return Tokenizers.fromLlama2c(in.readAllBytes(), "classpath:" + TOK512);
        }
    }

    @Test
    void tokenizerJsonGivesHuggingFaceIdsAndTextOnCyberMcqAndCraftedStrings() throws IOException {
        List<String> texts = new ArrayList<>(ByteLevelBpeParityTest.craftedTexts());
        texts.addAll(List.of("<s>hello</s> <unk> < s > <s><s>", "  ", " leading", "trailing ", "▁ already ▁▁ metaspace"));
        Map<String, List<String>> corpus = new LinkedHashMap<>(CyberMcq.all());
        corpus.put("crafted", texts);
        Mismatches mismatches = new Mismatches();
        int compared = 0;
        for (Map.Entry<String, Path> f : files.entrySet()) {
            Tokenizer ours = Tokenizers.fromTokenizerJson(f.getValue());
            HuggingFaceTokenizer reference = references.get(f.getKey());
            for (Map.Entry<String, List<String>> set : corpus.entrySet()) {
                boolean all = f.getKey().equals("legacy") || set.getKey().equals("crafted");
                for (String text : all ? set.getValue() : set.getValue().subList(0, Math.min(500, set.getValue().size()))) {
                    var expected = reference.encode(text);
                    Encoding actual = ours.encode(text);
                    mismatches.compare(f.getKey() + " " + set.getKey(), text, expected.getIds(), actual.ids(),
                            expected.getTokens(), actual.tokens());
                    long[] ids = expected.getIds();
                    for (boolean skip : new boolean[] {true, false}) {
                        mismatches.compareText(f.getKey() + " decode (skip " + skip + ")", text,
                                reference.decode(ids, skip), ours.decode(actual.ids(), skip));
                    }
                    compared += 3;
                }
            }
        }
        System.out.printf("SentencePiece BPE parity: %d comparisons%n", compared);
        mismatches.assertNone(compared);
    }

    @Test
    void tok512GivesLlama2cOwnIdsAndText() throws IOException {
        BpeTokenizer tok = tok512();
        JsonNode fixture;
        try (InputStream in = resource("tokenize/tok512-llama2c-ids.json")) {
            fixture = JSON.readTree(in);
        }
        Mismatches mismatches = new Mismatches();
        int n = 0;
        for (JsonNode c : fixture.get("cases")) {
            String text = c.get("text").textValue();
            int[] expected = new int[c.get("ids").size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = c.get("ids").get(i).intValue();
            }
            int[] actual = tok.encode(text).ids();
            mismatches.compare("llama2.c encode", text, Arrays.stream(expected).asLongStream().toArray(), actual,
                    tok.tokens(expected), tok.tokens(actual));
            mismatches.compareText("llama2.c decode", text, c.get("decoded").textValue(), tok.decode(expected, true));
            n += 2;
        }
        assertTrue(n >= 40, "the fixture should hold the crafted texts");
        mismatches.assertNone(n);
    }

    @Test
    void tok512DecodesKnownIds() throws IOException {
        BpeTokenizer tok = tok512();
        assertEquals(512, tok.vocabSize());
        assertEquals(new BpeTokenizer.SpecialIds(1, 2, 0, -1), tok.specialIds());
        // Pieces as tok512.bin lays them out: 259 " t", 260 "he", 275 " the"... and byte pieces at 3 + byte.
        assertEquals(" t", tok.tokens(new int[] {259})[0]);
        assertEquals("the", tok.decode(new int[] {1, 259, 260}, true));
        assertEquals("\n<s>\n the", tok.decode(new int[] {1, 259, 260}, false));
        assertEquals("é!", tok.decode(new int[] {3 + 0xC3, 3 + 0xA9, 3 + '!'}, true));
        // An incomplete run of byte pieces decodes to one U+FFFD per byte, as Hugging Face's ByteFallback does; the
        // run here ends at the piece "he" (260), and counts every byte piece before it, even a valid one.
        assertEquals("\uFFFD\uFFFDhe", tok.decode(new int[] {3 + 0xE2, 3 + 0x82, 260}, true));
        assertEquals("\uFFFD\uFFFD\uFFFD", tok.decode(new int[] {3 + 0xE2, 3 + 0x82, 3 + 'a'}, true));
        assertArrayEquals(new int[] {1}, tok.encode("").ids());
        assertEquals("Once upon a time", tok.decode(tok.encode("Once upon a time").ids(), true));
    }

    @Test
    void tok512AndItsTokenizerJsonAgreeOnCyberMcq() throws IOException {
        // Two algorithms, one vocabulary: llama2.c merges the best-scoring pair, Hugging Face the lowest-ranked merge,
        // with ranks ordered by the merged piece's score. They agree wherever no two candidate merges tie in a way the
        // orders break differently; this counts where they part.
        BpeTokenizer bin = tok512();
        HuggingFaceTokenizer json = references.get("legacy");
        int differ = 0;
        int compared = 0;
        List<String> examples = new ArrayList<>();
        for (List<String> texts : CyberMcq.all().values()) {
            for (String text : texts) {
                long[] expected = json.encode(text).getIds();
                if (!Arrays.equals(expected, Arrays.stream(bin.encode(text).ids()).asLongStream().toArray())) {
                    if (differ++ < 3) {
                        examples.add(Mismatches.quote(text));
                    }
                }
                compared++;
            }
        }
        System.out.printf("tok512.bin (by score) against its tokenizer.json (by rank): %d of %d texts differ %s%n", differ,
                compared, examples);
        assertEquals(0, differ, "texts where score order and rank order part: " + examples);
    }
}
