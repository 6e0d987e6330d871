package dev.distillery.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The BPE tokenizers' own behaviour: errors, GGUF vocabulary forms, chat templates, folders, batches. */
class BpeTokenizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** SmolLM2-135M-Instruct's chat_template, verbatim from its tokenizer_config.json. */
    static final String SMOLLM2_JINJA = "{% for message in messages %}{% if loop.first and messages[0]['role'] != "
            + "'system' %}{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
            + "Face<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
            + "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    @TempDir
    static Path dir;
    private static byte[] smolJson;
    private static BpeTokenizer smol;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = SentencePieceParityTest.resource(ByteLevelBpeParityTest.SMOLLM2)) {
            smolJson = in.readAllBytes();
        }
        smol = (BpeTokenizer) Tokenizers.fromTokenizerJson(new ByteArrayInputStream(smolJson), "smollm2.json");
    }

    private static ObjectNode smolTree() throws IOException {
        return (ObjectNode) JSON.readTree(smolJson);
    }

    private static InvalidTokenizerException refused(Consumer<ObjectNode> change) throws IOException {
        ObjectNode root = smolTree();
        change.accept(root);
        byte[] bytes = JSON.writeValueAsBytes(root);
        return assertThrows(InvalidTokenizerException.class,
                () -> Tokenizers.fromTokenizerJson(new ByteArrayInputStream(bytes), "bad.json"));
    }

    @Test
    void javadocExamplesHold() throws IOException {
        assertEquals(List.of("Hello", "Ġworld", "!"), List.of(smol.tokens(smol.encode("Hello world!").ids())));
        assertEquals("Hello world!", smol.decode(smol.encode("Hello world!").ids(), true));
        assertArrayEquals(new int[] {1, 4093}, smol.encode("<|im_start|>user").ids());
    }

    @Test
    void unsupportedOrInconsistentPartsNameTheFileAndField() throws IOException {
        record Case(String field, Consumer<ObjectNode> change) {
        }
        List<Case> cases = List.of(
                new Case("model.type", r -> ((ObjectNode) r.get("model")).put("type", "Unigram")),
                new Case("model.dropout", r -> ((ObjectNode) r.get("model")).put("dropout", 0.1)),
                new Case("model.merges", r -> ((ArrayNode) r.get("model").get("merges")).add("Ġ nosuchtoken")),
                new Case("model.merges", r -> ((ArrayNode) r.get("model").get("merges")).add("three part merge")),
                new Case("model.unk_token", r -> ((ObjectNode) r.get("model")).put("unk_token", "<nope>")),
                new Case("pre_tokenizer.pretokenizers[].type", r -> ((ObjectNode) r.get("pre_tokenizer").get("pretokenizers")
                        .get(0)).put("type", "UnicodeScripts")),
                new Case("pre_tokenizer.pattern.Regex", r -> r.set("pre_tokenizer", ByteLevelBpeParityTest.split("(unclosed"))),
                new Case("pre_tokenizer.behavior", r -> r.set("pre_tokenizer",
                        ByteLevelBpeParityTest.split("a").put("behavior", "Sideways"))),
                new Case("normalizer.type", r -> r.set("normalizer", JSON.createObjectNode().put("type", "Precompiled"))),
                new Case("decoder.type", r -> r.set("decoder", JSON.createObjectNode().put("type", "CTC"))),
                new Case("post_processor.special_tokens", r -> {
                    ObjectNode t = JSON.createObjectNode().put("type", "TemplateProcessing");
                    ObjectNode piece = JSON.createObjectNode();
                    piece.set("SpecialToken", JSON.createObjectNode().put("id", "<bos>"));
                    t.set("single", JSON.createArrayNode().add(piece));
                    t.set("special_tokens", JSON.createObjectNode());
                    r.set("post_processor", t);
                }),
                new Case("padding.direction", r -> r.set("padding", JSON.createObjectNode().put("pad_id", 0)
                        .put("direction", "Up"))));
        for (Case c : cases) {
            InvalidTokenizerException e = refused(c.change());
            assertTrue(e.getMessage().startsWith("bad.json: ") && e.getMessage().contains(c.field()),
                    c.field() + ": " + e.getMessage());
        }
        InvalidTokenizerException notJson = assertThrows(InvalidTokenizerException.class, () ->
                Tokenizers.fromTokenizerJson(new ByteArrayInputStream("{\"model\":".getBytes(StandardCharsets.UTF_8)), "cut.json"));
        assertTrue(notJson.getMessage().startsWith("cut.json: not valid JSON"), notJson.getMessage());
    }

    @Test
    void tokenizerJsonPicksWordPieceOrBpeByModelType() throws IOException {
        try (InputStream in = SentencePieceParityTest.resource("all-minilm-l6-v2-tokenizer.json")) {
            assertTrue(Tokenizers.fromTokenizerJson(in, "minilm.json") instanceof WordPieceTokenizer);
        }
        assertTrue(Tokenizers.fromTokenizerJson(new ByteArrayInputStream(smolJson), "s.json") instanceof BpeTokenizer);
    }

    @Test
    void unpairedSurrogatesBecomeOneReplacementCharacterEach() {
        assertArrayEquals(smol.tokenize("a\uFFFDb"), smol.tokenize("a\uD83Db"));
        assertArrayEquals(smol.tokenize("\uFFFD\uFFFD"), smol.tokenize("\uDC00\uD800"));
        assertEquals("x\uFFFDy", smol.decode(smol.tokenize("x\uDC00y"), false));
    }

    @Test
    void byteLevelVocabularyRoundTripsThroughItsGgufForm() throws IOException {
        ByteLevelBpeVocab vocab = Tokenizers.byteLevelVocab(smol);
        assertEquals("smollm", vocab.preTokenizer());
        assertEquals(49152, vocab.tokens().size());
        assertEquals(48900, vocab.merges().size());
        assertEquals(TokenType.CONTROL, vocab.types()[1]);
        assertEquals(TokenType.NORMAL, vocab.types()[1000]);
        BpeTokenizer back = Tokenizers.of(vocab, "gguf");
        List<String> texts = new ArrayList<>(ByteLevelBpeParityTest.craftedTexts());
        texts.addAll(CyberMcq.texts("cybermetric-80.jsonl"));
        for (String text : texts) {
            assertArrayEquals(smol.encode(text).ids(), back.encode(text).ids(), Mismatches.quote(text));
            assertEquals(smol.decode(smol.encode(text).ids(), true), back.decode(back.encode(text).ids(), true));
        }
        // Each supported pipeline is recognised by name, and one GGUF cannot name is refused.
        for (String name : List.of("gpt-2", "llama-bpe", "qwen2")) {
            GgufPreTokenizers.Pipeline p = GgufPreTokenizers.of(name);
            assertEquals(name, GgufPreTokenizers.nameOf(p.normalizer(), p.preTokenizer(), p.ignoreMerges(),
                    new TokenDecoder.ByteLevelBytes(), true));
        }
        ObjectNode odd = smolTree();
        odd.set("pre_tokenizer", ByteLevelBpeParityTest.byteLevel(true, true));
        BpeTokenizer prefixed = (BpeTokenizer) Tokenizers.fromTokenizerJson(
                new ByteArrayInputStream(JSON.writeValueAsBytes(odd)), "odd.json");
        InvalidTokenizerException e = assertThrows(InvalidTokenizerException.class, () -> Tokenizers.byteLevelVocab(prefixed));
        assertTrue(e.getMessage().contains("gpt-2"), e.getMessage());
        InvalidTokenizerException unknown = assertThrows(InvalidTokenizerException.class, () -> Tokenizers.of(
                new ByteLevelBpeVocab(vocab.tokens(), vocab.types(), vocab.merges(), "falcon", -1, -1, -1, false, false),
                "x.gguf"));
        assertTrue(unknown.getMessage().contains("tokenizer.ggml.pre") && unknown.getMessage().contains("falcon"));
    }

    @Test
    void sentencePieceVocabularyRoundTripsThroughItsGgufForm() throws IOException {
        BpeTokenizer tok512 = SentencePieceParityTest.tok512();
        SentencePieceVocab vocab = Tokenizers.sentencePieceVocab(tok512);
        assertEquals(List.of("<unk>", "<s>", "</s>", "<0x00>"), vocab.pieces().subList(0, 4));
        assertEquals("\u2581t", vocab.pieces().get(259));
        assertArrayEquals(new int[] {TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL, TokenType.BYTE},
                Arrays.copyOf(vocab.types(), 4));
        BpeTokenizer back = Tokenizers.of(vocab, "gguf");
        List<String> texts = new ArrayList<>(CyberMcq.texts("cybermetric-80.jsonl"));
        texts.addAll(List.of("", " ", "Once upon a time", "emoji 😀 and 中文", "  two  spaces  "));
        for (String text : texts) {
            assertArrayEquals(tok512.encode(text).ids(), back.encode(text).ids(), Mismatches.quote(text));
            assertEquals(tok512.decode(tok512.encode(text).ids(), true), back.decode(back.encode(text).ids(), true));
        }
        // GGUF matches control tokens written in the text, as llama.cpp and Hugging Face do; llama2.c does not.
        assertArrayEquals(new int[] {1, 1}, Arrays.copyOf(back.encode("<s>").ids(), 2));
        assertTrue(tok512.encode("<s>").ids().length > 2);
        assertThrows(InvalidTokenizerException.class, () -> Tokenizers.sentencePieceVocab(smol));
    }

    @Test
    void chatTemplatesRenderAsTheirJinjaDoes() throws IOException {
        ChatTemplate detected = ChatTemplate.detect(SMOLLM2_JINJA, smol);
        assertEquals(ChatTemplate.SMOLLM2.defaultSystem(), detected.defaultSystem());
        List<ChatTemplate.Message> chat = List.of(new ChatTemplate.Message("user", "What is XSS?"));
        String expected = "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
                + "<|im_end|>\n<|im_start|>user\nWhat is XSS?<|im_end|>\n<|im_start|>assistant\n";
        assertEquals(expected, detected.render(chat, true));
        assertEquals(expected, ChatTemplate.SMOLLM2.render(chat, true));
        // A system message given replaces the default; without the generation prompt the text ends after the turn.
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n",
                detected.render(List.of(new ChatTemplate.Message("system", "Be brief."),
                        new ChatTemplate.Message("user", "Hi")), false));
        int[] ids = smol.tokenize(detected.render(chat, true));
        assertEquals(1, ids[0]);
        assertEquals(smol.id("<|im_end|>"), ids[ids.length - 6]);
        assertEquals(2, IntStream.of(ids).filter(id -> id == smol.id("<|im_end|>")).count());
        assertEquals(ChatTemplate.CHATML, ChatTemplate.detect(null, smol));
        assertEquals(ChatTemplate.LLAMA3, ChatTemplate.detect("{{ '<|start_header_id|>' + role }}", smol));
        assertNull(ChatTemplate.detect(null, SentencePieceParityTest.tok512()));
        assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                ChatTemplate.LLAMA3.render(List.of(new ChatTemplate.Message("user", "Hi")), true));
    }

    @Test
    void foldersFindTheirTokenizerAndConfig() throws IOException {
        Path smolDir = Files.createDirectories(dir.resolve("smol"));
        Files.write(smolDir.resolve("tokenizer.json"), smolJson);
        ObjectNode config = JSON.createObjectNode().put("bos_token", "<|im_start|>").put("eos_token", "<|im_end|>")
                .put("chat_template", SMOLLM2_JINJA);
        config.set("pad_token", JSON.createObjectNode().put("content", "<|endoftext|>"));
        JSON.writeValue(smolDir.resolve("tokenizer_config.json").toFile(), config);
        BpeTokenizer t = (BpeTokenizer) Tokenizers.load(smolDir);
        assertEquals(new BpeTokenizer.SpecialIds(1, 2, -1, 0), t.specialIds());
        assertEquals(SMOLLM2_JINJA, TokenizerConfig.read(smolDir.resolve("tokenizer_config.json")).chatTemplate());

        Path llama2c = Files.createDirectories(dir.resolve("llama2c"));
        try (InputStream in = SentencePieceParityTest.resource(SentencePieceParityTest.TOK512)) {
            Files.copy(in, llama2c.resolve("tok512.bin"));
        }
        assertEquals(512, Tokenizers.load(llama2c).vocabSize());
        Files.copy(llama2c.resolve("tok512.bin"), llama2c.resolve("tok4096.bin"));
        InvalidTokenizerException two = assertThrows(InvalidTokenizerException.class, () -> Tokenizers.load(llama2c));
        assertTrue(two.getMessage().contains("several"), two.getMessage());

        Path bert = Files.createDirectories(dir.resolve("bert"));
        Files.writeString(bert.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n");
        JSON.writeValue(bert.resolve("tokenizer_config.json").toFile(), JSON.createObjectNode().put("do_lower_case", false));
        assertArrayEquals(new int[] {2, 1, 3}, Tokenizers.load(bert).encode("Hello").ids());
        assertThrows(java.nio.file.NoSuchFileException.class, () -> Tokenizers.load(dir.resolve("empty-nothing")));
    }

    @Test
    void truncationAndPaddingFollowTheFile() throws IOException {
        ObjectNode root = smolTree();
        root.set("truncation", JSON.createObjectNode().put("max_length", 3).put("direction", "Left"));
        root.set("padding", JSON.createObjectNode().put("pad_id", 2).put("pad_type_id", 0).put("pad_token", "<|im_end|>")
                .put("direction", "Left"));
        Tokenizer t = Tokenizers.fromTokenizerJson(new ByteArrayInputStream(JSON.writeValueAsBytes(root)), "p.json");
        int[] whole = t.encode("one two three four", Tokenizer.NO_TRUNCATION).ids();
        assertArrayEquals(Arrays.copyOfRange(whole, whole.length - 3, whole.length), t.encode("one two three four").ids());
        Batch b = t.encodeBatch(List.of("one", "one two"), 10);
        assertEquals(2, b.seqLen());
        assertEquals(2, b.ids()[0]);
        assertArrayEquals(new int[] {0, 1, 1, 1}, b.mask());
        assertEquals(2, t.padId());
    }

    @Test
    void concurrentEncodingGivesTheSameIds() throws Exception {
        List<String> texts = CyberMcq.texts("cybermetric-500.jsonl");
        List<int[]> sequential = texts.stream().map(smol::tokenize).toList();
        BpeTokenizer fresh = (BpeTokenizer) Tokenizers.fromTokenizerJson(new ByteArrayInputStream(smolJson), "s.json");
        List<int[]> parallel = texts.parallelStream().map(fresh::tokenize).toList();
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(sequential.get(i), parallel.get(i), texts.get(i));
        }
    }

    @Test
    void llama2cTokenizerFilesThatAreNotOneAreRefused() throws IOException {
        byte[] good;
        try (InputStream in = SentencePieceParityTest.resource(SentencePieceParityTest.TOK512)) {
            good = in.readAllBytes();
        }
        record Case(byte[] bytes, String expected) {
        }
        byte[] longPiece = good.clone();
        ByteBuffer.wrap(longPiece).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 99);
        byte[] zeroMax = good.clone();
        ByteBuffer.wrap(zeroMax).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0);
        byte[] nanScore = good.clone();
        ByteBuffer.wrap(nanScore).order(ByteOrder.LITTLE_ENDIAN).putFloat(4, Float.NaN);
        byte[] badUtf8 = good.clone();
        badUtf8[12] = (byte) 0xFF;
        byte[] fewTokens = Arrays.copyOf(good, 4 + 8 + 5);
        for (Case c : List.of(new Case(new byte[2], "too short"), new Case(Arrays.copyOf(good, good.length - 3), "truncated"),
                new Case(Arrays.copyOf(good, good.length - 1), "truncated"), new Case(longPiece, "length 99"),
                new Case(zeroMax, "max_token_length"), new Case(nanScore, "finite"), new Case(badUtf8, "UTF-8"),
                new Case(fewTokens, "at least"))) {
            InvalidTokenizerException e = assertThrows(InvalidTokenizerException.class,
                    () -> Tokenizers.fromLlama2c(c.bytes(), "tok.bin"));
            assertTrue(e.getMessage().startsWith("tok.bin") && e.getMessage().contains(c.expected()), e.getMessage());
        }
    }
}
