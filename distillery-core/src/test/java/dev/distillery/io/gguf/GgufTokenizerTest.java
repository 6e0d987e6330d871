package dev.distillery.io.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.io.CheckpointFormatException;
import dev.distillery.tokenize.BpeTokenizer;
import dev.distillery.tokenize.CyberMcq;
import dev.distillery.tokenize.Tokenizers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tokenizer written into GGUF metadata and read back gives the ids and text of the tokenizer it
 * came from: SmolLM2's byte-level BPE (tokenizer.json, proven against Hugging Face elsewhere) and
 * llama2.c's tok512.bin (proven against llama2.c).
 */
class GgufTokenizerTest {
    @TempDir
    Path tmp;

    private static final List<String> CRAFTED = List.of("", " ", "Hello world! How's it going?", "  spaces   and\ttabs\n",
            "numbers 12345 3.14", "émoji 😀 中文", "<|im_start|>user\nhi<|im_end|>", "it's don't I'LL");

    private static BpeTokenizer smol() throws IOException {
        try (InputStream in = resource("tokenize/smollm2-135m-instruct-tokenizer.json")) {
            return (BpeTokenizer) Tokenizers.fromTokenizerJson(in, "smollm2.json");
        }
    }

    private static BpeTokenizer tok512() throws IOException {
        try (InputStream in = resource("llama2c/stories260K/tok512.bin")) {
            return Tokenizers.fromLlama2c(in.readAllBytes(), "tok512.bin");
        }
    }

    private static InputStream resource(String name) {
        InputStream in = GgufTokenizerTest.class.getClassLoader().getResourceAsStream(name);
        assertTrue(in != null, name + " must be on the test classpath");
        return in;
    }

    private GgufFile roundTrip(BpeTokenizer t, String name) throws IOException {
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        metadata.put("general.architecture", GgufValue.string("llama"));
        metadata.putAll(GgufTokenizer.metadata(t));
        Path p = tmp.resolve(name);
        GgufWriter.write(p, metadata, List.of());
        return GgufFile.open(p);
    }

    @Test
    void byteLevelTokenizerSurvivesGguf() throws IOException {
        BpeTokenizer smol = smol();
        try (GgufFile f = roundTrip(smol, "smol.gguf")) {
            assertEquals("gpt2", f.string(GgufTokenizer.MODEL));
            assertEquals("smollm", f.string(GgufTokenizer.PRE));
            assertEquals(48900, f.get(GgufTokenizer.MERGES).length());
            BpeTokenizer back = GgufTokenizer.read(f);
            List<String> texts = new ArrayList<>(CRAFTED);
            texts.addAll(CyberMcq.texts("cybermetric-80.jsonl"));
            for (String text : texts) {
                assertArrayEquals(smol.encode(text).ids(), back.encode(text).ids(), text);
                int[] ids = back.encode(text).ids();
                assertEquals(smol.decode(ids, true), back.decode(ids, true), text);
            }
            assertTrue(back.isSpecial(back.id("<|im_end|>")));
        }
    }

    @Test
    void sentencePieceTokenizerSurvivesGguf() throws IOException {
        BpeTokenizer tok512 = tok512();
        try (GgufFile f = roundTrip(tok512, "tok512.gguf")) {
            assertEquals("llama", f.string(GgufTokenizer.MODEL));
            assertEquals(512, f.get(GgufTokenizer.SCORES).length());
            assertEquals(1, f.integer(GgufTokenizer.BOS));
            BpeTokenizer back = GgufTokenizer.read(f);
            List<String> texts = new ArrayList<>(CRAFTED.subList(0, 6));
            texts.addAll(CyberMcq.texts("cybermetric-80.jsonl"));
            for (String text : texts) {
                assertArrayEquals(tok512.encode(text).ids(), back.encode(text).ids(), text);
                int[] ids = back.encode(text).ids();
                assertEquals(tok512.decode(ids, true), back.decode(ids, true), text);
            }
        }
    }

    @Test
    void missingOrMistypedKeysAreNamed() throws IOException {
        Map<String, GgufValue> m = new LinkedHashMap<>(GgufTokenizer.metadata(smol()));
        record Case(String expected, Map<String, GgufValue> metadata) {
        }
        Map<String, GgufValue> noPre = new LinkedHashMap<>(m);
        noPre.remove(GgufTokenizer.PRE);
        Map<String, GgufValue> bert = new LinkedHashMap<>(m);
        bert.put(GgufTokenizer.MODEL, GgufValue.string("bert"));
        Map<String, GgufValue> intTokens = new LinkedHashMap<>(m);
        intTokens.put(GgufTokenizer.TOKENS, GgufValue.int32s(new int[] {1, 2}));
        Map<String, GgufValue> badBos = new LinkedHashMap<>(m);
        badBos.put(GgufTokenizer.BOS, GgufValue.uint32(999_999));
        Map<String, GgufValue> shortTypes = new LinkedHashMap<>(m);
        shortTypes.put(GgufTokenizer.TOKEN_TYPE, GgufValue.int32s(new int[] {1}));
        Map<String, GgufValue> badMerge = new LinkedHashMap<>(m);
        badMerge.put(GgufTokenizer.MERGES, GgufValue.strings(List.of("Ġ t", "no suchtoken")));
        for (Case c : List.of(new Case(GgufTokenizer.PRE, noPre), new Case("'bert'", bert),
                new Case(GgufTokenizer.TOKENS, intTokens), new Case(GgufTokenizer.BOS, badBos),
                new Case(GgufTokenizer.TOKEN_TYPE, shortTypes), new Case("merges entry 1", badMerge))) {
            try (GgufFile f = GgufFile.read(GgufWriter.toBytes(c.metadata(), List.of()), "tok.gguf")) {
                CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> GgufTokenizer.read(f));
                assertTrue(e.getMessage().startsWith("tok.gguf") && e.getMessage().contains(c.expected()),
                        c.expected() + " -> " + e.getMessage());
            }
        }
    }
}
