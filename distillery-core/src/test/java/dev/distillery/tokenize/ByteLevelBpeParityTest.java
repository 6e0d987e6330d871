package dev.distillery.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
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
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Byte-level BPE ids must equal those of Hugging Face tokenizers (the Rust library through DJL's
 * binding) for SmolLM2-135M-Instruct's tokenizer.json on every question and option of the
 * cyber-mcq dataset and on crafted strings, and for variants of that file that switch on the
 * other pipeline components decoder LLM tokenizers use (Llama 3's and Qwen2's Split patterns,
 * NFC, ignore_merges, a BOS template, a prefix space, stripping and single-word added tokens).
 */
class ByteLevelBpeParityTest {
    static final String SMOLLM2 = "tokenize/smollm2-135m-instruct-tokenizer.json";
    private static final Map<String, String> UNLIMITED = Map.of("truncation", "false", "padding", "false",
            "maxLength", "1000000");

    @TempDir
    static Path dir;
    private static Path smolJson;
    private static final Map<String, HuggingFaceTokenizer> references = new LinkedHashMap<>();
    private static final Map<String, Path> files = new LinkedHashMap<>();

    @BeforeAll
    static void load() throws IOException {
        smolJson = dir.resolve("smollm2.json");
        try (InputStream in = ByteLevelBpeParityTest.class.getClassLoader().getResourceAsStream(SMOLLM2)) {
            assertTrue(in != null, SMOLLM2 + " must be on the test classpath");
            Files.copy(in, smolJson);
        }
        files.put("smollm2", smolJson);
        // Llama 3's pipeline on SmolLM2's vocabulary: its Split pattern, whole-word hits, and BOS from a template. A
        // hundred merges are dropped so that some vocabulary words cannot be rebuilt by merging, which is when
        // ignore_merges (taking such a word whole) makes a difference; llama3-no-ignore is the same without it.
        for (boolean ignoreMerges : new boolean[] {true, false}) {
            variant(ignoreMerges ? "llama3" : "llama3-no-ignore", root -> {
                root.set("pre_tokenizer", sequence(split(GgufPreTokenizers.LLAMA3_PATTERN), byteLevel(false, false)));
                ObjectNode model = (ObjectNode) root.get("model");
                model.put("ignore_merges", ignoreMerges);
                ArrayNode merges = (ArrayNode) model.get("merges");
                for (int i = 0; i < 100; i++) {
                    merges.remove(1000);
                }
                root.set("post_processor", bosTemplate(root));
            });
        }
        variant("qwen2", root -> {
            root.set("normalizer", JSON.createObjectNode().put("type", "NFC"));
            root.set("pre_tokenizer", sequence(split(GgufPreTokenizers.QWEN2_PATTERN), byteLevel(false, false)));
        });
        // GPT-2 with its prefix space, a lower-casing NFKC normalizer, and added tokens that strip, are single words
        // or are matched after normalization.
        variant("gpt2-options", root -> {
            root.set("pre_tokenizer", byteLevel(true, true));
            root.set("normalizer", JSON.createObjectNode().put("type", "Sequence").set("normalizers",
                    JSON.createArrayNode().add(JSON.createObjectNode().put("type", "NFKC"))
                            .add(JSON.createObjectNode().put("type", "Lowercase"))));
            ArrayNode added = (ArrayNode) root.get("added_tokens");
            ((ObjectNode) added.get(1)).put("lstrip", true);
            ((ObjectNode) added.get(2)).put("rstrip", true);
            ((ObjectNode) added.get(3)).put("single_word", true);
            added.add(JSON.createObjectNode().put("id", 49152).put("content", "Phishing").put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", true).put("special", false));
            added.add(JSON.createObjectNode().put("id", 49153).put("content", "<sep>").put("single_word", false)
                    .put("lstrip", true).put("rstrip", true).put("normalized", false).put("special", true));
        });
        // Digit runs (not single digits), punctuation cut apart, and a Metaspace-free whitespace split before bytes.
        variant("digits-punct", root -> root.set("pre_tokenizer", sequence(
                JSON.createObjectNode().put("type", "Digits").put("individual_digits", false),
                JSON.createObjectNode().put("type", "Punctuation").put("behavior", "Isolated"),
                JSON.createObjectNode().put("type", "Split").put("behavior", "MergedWithNext").put("invert", false)
                        .set("pattern", JSON.createObjectNode().put("String", " ")),
                byteLevel(false, false))));
        for (Map.Entry<String, Path> f : files.entrySet()) {
            references.put(f.getKey(), HuggingFaceTokenizer.newInstance(f.getValue(), UNLIMITED));
        }
    }

    @AfterAll
    static void close() {
        references.values().forEach(HuggingFaceTokenizer::close);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static void variant(String name, Consumer<ObjectNode> change) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(smolJson.toFile());
        change.accept(root);
        Path p = dir.resolve(name + ".json");
        JSON.writeValue(p.toFile(), root);
        files.put(name, p);
    }

    static ObjectNode sequence(ObjectNode... steps) {
        ArrayNode list = JSON.createArrayNode();
        Arrays.stream(steps).forEach(list::add);
        ObjectNode n = JSON.createObjectNode().put("type", "Sequence");
        n.set("pretokenizers", list);
        return n;
    }

    static ObjectNode split(String regex) {
        ObjectNode n = JSON.createObjectNode().put("type", "Split").put("behavior", "Isolated").put("invert", false);
        n.set("pattern", JSON.createObjectNode().put("Regex", regex));
        return n;
    }

    static ObjectNode byteLevel(boolean addPrefixSpace, boolean useRegex) {
        return JSON.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", addPrefixSpace)
                .put("trim_offsets", true).put("use_regex", useRegex);
    }

    private static ObjectNode bosTemplate(ObjectNode root) {
        ObjectNode bos = JSON.createObjectNode();
        bos.set("SpecialToken", JSON.createObjectNode().put("id", "<|endoftext|>").put("type_id", 0));
        ObjectNode seq = JSON.createObjectNode();
        seq.set("Sequence", JSON.createObjectNode().put("id", "A").put("type_id", 0));
        ObjectNode special = JSON.createObjectNode().put("id", "<|endoftext|>");
        special.set("ids", JSON.createArrayNode().add(0));
        special.set("tokens", JSON.createArrayNode().add("<|endoftext|>"));
        ObjectNode template = JSON.createObjectNode().put("type", "TemplateProcessing");
        template.set("single", JSON.createArrayNode().add(bos).add(seq));
        template.set("pair", JSON.createArrayNode().add(bos).add(seq).add(seq));
        template.set("special_tokens", JSON.createObjectNode().set("<|endoftext|>", special));
        ObjectNode sequence = JSON.createObjectNode().put("type", "Sequence");
        sequence.set("processors", JSON.createArrayNode().add(JSON.createObjectNode().put("type", "ByteLevel")
                .put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false)).add(template));
        return sequence;
    }

    static List<String> craftedTexts() {
        List<String> texts = new ArrayList<>(HuggingFaceParityTest.craftedTexts());
        texts.addAll(List.of(
                "Hello world! How's it going? I'd say we'll see, they're sure it's fine. DON'T SHOUT, it'S OK",
                "a  b   c    d\t\te\n\nf \n g\r\n\r\nh   ",
                "   leading and trailing   ",
                "\n\n\nnewlines first",
                "numbers 1 12 123 1234 12345 123456 3.14159 -42 1,000,000 ٣٤٥ ⅷ ½ ²",
                "<|im_start|>user\nWhat is XSS?<|im_end|>\n<|im_start|>assistant\n",
                "<|im_start|><|im_end|><|endoftext|>x<|endoftext|>",
                "partial <|im_start and im_end|> and <|im_end| >",
                "<repo_name>name<file_sep>code<filename>a.py",
                "x <sep> y<sep>z   <sep>   w",
                "Phishing phishing PHISHING Phishingsite",
                "def f(x):\n    return x ** 2  # square\n\tpass",
                "SELECT * FROM users WHERE id = '1' OR '1'='1'; -- comment",
                "<script>alert(document.cookie)</script>",
                "C:\\Windows\\System32\\cmd.exe /c \"whoami\"",
                "curl -X POST https://api.example.com/v1/login -d '{\"user\":\"admin\"}'",
                "ﬁﬂ ligatures, ℌ𝔢𝔩𝔩𝔬, ｆｕｌｌｗｉｄｔｈ, Ⅻ, ⑩, ㎏",
                "Ünïcödé ÀÉÎÕÜ ñ ç ß ẞ ø å œ æ",
                "Русский текст, ελληνικά, עברית, العربية, हिन्दी, ไทย",
                "𝟘𝟙𝟚 math digits, 🔟 keycap, 1️⃣ 2️⃣",
                "😀😀😀 🙈🙉🙊 🏴‍☠️ 🧑🏿‍💻",
                "\u00a0\u2000\u2001\u2002\u2003 \u3000\u205f\u202f spaces of all kinds \u0085\u2028\u2029",
                "tab\there", "\t", "\n", " \n ", "  ", "'s", "'S", "'ſ", "it's'", "''''",
                "a'b'c 'sup 'll've're'd'm't"));
        // Unpaired surrogates are left out: DJL hands Rust the JNI's modified UTF-8 of them (ED A0 BD for U+D83D),
        // which becomes three U+FFFD, an artefact of the binding rather than of Hugging Face (Python's str cannot
        // even encode them). BpeTokenizerTest pins the one-U+FFFD-per-surrogate rule instead.
        return texts;
    }

    @Test
    void everyCyberMcqQuestionAndOptionGivesHuggingFaceIds() throws IOException {
        Tokenizer ours = Tokenizers.fromTokenizerJson(smolJson);
        assertInstanceOf(BpeTokenizer.class, ours);
        HuggingFaceTokenizer reference = references.get("smollm2");
        Mismatches mismatches = new Mismatches();
        int compared = 0;
        for (Map.Entry<String, List<String>> file : CyberMcq.all().entrySet()) {
            for (String text : file.getValue()) {
                var expected = reference.encode(text);
                Encoding actual = ours.encode(text);
                mismatches.compare(file.getKey(), text, expected.getIds(), actual.ids(), expected.getTokens(),
                        actual.tokens());
                compared++;
            }
        }
        System.out.printf("byte-level BPE parity: %d cyber-mcq texts compared%n", compared);
        assertTrue(compared > 12_000, "expected every question and option of the three files, got " + compared);
        mismatches.assertNone(compared);
    }

    @Test
    void craftedStringsGiveHuggingFaceIdsInEveryVariant() throws IOException {
        Mismatches mismatches = new Mismatches();
        int compared = 0;
        List<String> texts = craftedTexts();
        for (Map.Entry<String, Path> f : files.entrySet()) {
            Tokenizer ours = Tokenizers.fromTokenizerJson(f.getValue());
            HuggingFaceTokenizer reference = references.get(f.getKey());
            for (String text : texts) {
                var expected = reference.encode(text);
                Encoding actual = ours.encode(text);
                mismatches.compare(f.getKey(), text, expected.getIds(), actual.ids(), expected.getTokens(), actual.tokens());
                compared++;
            }
        }
        mismatches.assertNone(compared);
    }

    @Test
    void variantsGiveHuggingFaceIdsOnCyberMcq() throws IOException {
        Mismatches mismatches = new Mismatches();
        int compared = 0;
        List<String> texts = CyberMcq.texts("cybermetric-500.jsonl");
        for (Map.Entry<String, Path> f : files.entrySet()) {
            if (f.getKey().equals("smollm2")) {
                continue;
            }
            Tokenizer ours = Tokenizers.fromTokenizerJson(f.getValue());
            HuggingFaceTokenizer reference = references.get(f.getKey());
            for (String text : texts) {
                var expected = reference.encode(text);
                Encoding actual = ours.encode(text);
                mismatches.compare(f.getKey(), text, expected.getIds(), actual.ids(), expected.getTokens(), actual.tokens());
                compared++;
            }
        }
        mismatches.assertNone(compared);
    }

    @Test
    void ignoreMergesTakesVocabularyWordsWholeAsHuggingFaceDoes() throws IOException {
        // Words that are tokens themselves but that merging would not rebuild: only they tell ignore_merges apart.
        BpeTokenizer whole = (BpeTokenizer) Tokenizers.fromTokenizerJson(files.get("llama3"));
        BpeTokenizer merged = (BpeTokenizer) Tokenizers.fromTokenizerJson(files.get("llama3-no-ignore"));
        List<String> texts = new ArrayList<>();
        for (int id = 0; id < whole.vocabSize() && texts.size() < 300; id++) {
            String text = whole.decode(new int[] {id}, false);
            if (!Arrays.equals(whole.tokenize(text), merged.tokenize(text))) {
                texts.add(text);
            }
        }
        assertTrue(texts.size() > 10, "SmolLM2's vocabulary should hold words merging does not rebuild, found " + texts);
        Mismatches mismatches = new Mismatches();
        for (String name : List.of("llama3", "llama3-no-ignore")) {
            Tokenizer ours = Tokenizers.fromTokenizerJson(files.get(name));
            for (String text : texts) {
                var expected = references.get(name).encode(text);
                Encoding actual = ours.encode(text);
                mismatches.compare(name, text, expected.getIds(), actual.ids(), expected.getTokens(), actual.tokens());
            }
        }
        mismatches.assertNone(2 * texts.size());
    }

    @Test
    void decodeGivesHuggingFaceTextAndRoundTrips() throws IOException {
        Mismatches mismatches = new Mismatches();
        int compared = 0;
        List<String> texts = new ArrayList<>(craftedTexts());
        texts.addAll(CyberMcq.texts("cybermetric-80.jsonl"));
        for (String name : List.of("smollm2", "llama3", "qwen2")) {
            Tokenizer ours = Tokenizers.fromTokenizerJson(files.get(name));
            HuggingFaceTokenizer reference = references.get(name);
            for (String text : texts) {
                int[] ids = ours.encode(text).ids();
                long[] asLong = Arrays.stream(ids).asLongStream().toArray();
                for (boolean skip : new boolean[] {true, false}) {
                    mismatches.compareText(name + " decode (skip " + skip + ")", text, reference.decode(asLong, skip),
                            ours.decode(ids, skip));
                    compared++;
                }
                // Byte-level BPE loses nothing: without skipping, the ids spell the text again (NFC aside).
                String expected = name.equals("qwen2") ? java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFC)
                        : text;
                String prefix = name.equals("llama3") ? "<|endoftext|>" : "";
                mismatches.compareText(name + " round trip", text, prefix + expected, ours.decode(ids, false));
                compared++;
            }
        }
        mismatches.assertNone(compared);
    }

    @Test
    void decodingBrokenUtf8GivesHuggingFaceReplacementCharacters() throws IOException {
        Tokenizer ours = Tokenizers.fromTokenizerJson(smolJson);
        HuggingFaceTokenizer reference = references.get("smollm2");
        BpeTokenizer bpe = (BpeTokenizer) ours;
        // Single byte tokens: a lead byte alone, a continuation alone, a truncated 4-byte sequence, an overlong form,
        // an encoded surrogate, a code point above U+10FFFF, invalid bytes between letters. Bytes that never occur in
        // UTF-8 (C0, C1, F5..FF) have no token in this vocabulary, so those cases are built from the others.
        List<int[]> cases = new ArrayList<>();
        for (String bytes : List.of("C3", "A9", "F0 9F 98", "E0 80 AF", "E2 82", "ED A0 80", "F4 90 80 80",
                "41 E2 28 A1 42", "F0 9F 98 80 9F 98", "E2 82 AC")) {
            String[] hex = bytes.split(" ");
            int[] ids = new int[hex.length];
            for (int i = 0; i < hex.length; i++) {
                ids[i] = bpe.id(String.valueOf(ByteLevel.charOf(Integer.parseInt(hex[i], 16))));
                assertTrue(ids[i] >= 0, "byte " + hex[i] + " has a token");
            }
            cases.add(ids);
        }
        Mismatches mismatches = new Mismatches();
        for (int[] ids : cases) {
            mismatches.compareText("decode", Arrays.toString(ids),
                    reference.decode(Arrays.stream(ids).asLongStream().toArray(), false), ours.decode(ids, false));
        }
        mismatches.assertNone(cases.size());
        assertEquals(49152, ours.vocabSize());
    }
}
