package dev.distillery.model.llama;

import dev.distillery.generate.Generator;
import dev.distillery.generate.LanguageModel;
import dev.distillery.generate.Sampler;
import dev.distillery.io.DType;
import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.WeightSource;
import dev.distillery.io.gguf.GgufDecoder;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizedDecoder;
import dev.distillery.quant.QuantizedWeightSource;
import dev.distillery.tokenize.BpeTokenizer;
import dev.distillery.tokenize.Tokenizers;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * stories260K, a real pretrained llama2.c model (Karpathy's tinyllamas, MIT; see
 * ../shared/models/README.md): greedy generation from BOS through the llama2.c import and the
 * rotary permutation must write the text llama2.c's notes give, and the model written as a
 * Hugging Face folder and read back must give identical logits.
 */
class Stories260KTest {
    /** llama2.c's doc/stories260K.md: run with temperature 0 from BOS. */
    static final String KNOWN = "Once upon a time, there was a little girl named Lily. She loved to play outside in the "
            + "park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.";

    @TempDir
    Path tmp;

    static Path folder() throws Exception {
        return Path.of(Stories260KTest.class.getResource("/llama2c/stories260K").toURI());
    }

    @Test
    void greedyGenerationFromBosWritesTheKnownStory() throws Exception {
        LanguageModel lm = LanguageModel.load(folder());
        assertEquals("llama2.c", lm.format());
        Generator.Result r = lm.generator().generate(new int[] {1}, 80, Sampler.greedy(), null);
        assertTrue(r.text().startsWith(KNOWN), "greedy text: " + r.text());
    }

    @Test
    void theModelWrittenAsAHuggingFaceFolderGivesIdenticalLogits() throws Exception {
        DecoderCheckpoint c = DecoderCheckpoint.load(folder().resolve("stories260K.bin"));
        assertEquals("llama2.c", c.format());
        LlamaConfig config = (LlamaConfig) c.config();
        assertEquals(512, config.vocabSize());
        assertEquals(4, config.numKvHeads());
        assertTrue(config.tieWordEmbeddings());
        Path hf = tmp.resolve("stories260K-hf");
        DecoderCheckpoint.write(hf, c.config(), c.weights(), null, DType.F32);
        DecoderCheckpoint back = DecoderCheckpoint.read(hf);
        assertEquals(c.config(), back.config(), "config.json round trip");
        int[] ids = {1, 403, 407, 261, 378, 271, 1000 % 512, 365};
        EncoderInput in = new EncoderInput(1, ids.length, ids, new int[ids.length], new int[] {1, 1, 1, 1, 1, 1, 1, 1});
        float[] original = CausalLanguageModel.fromWeights(c.config(), WeightSource.fp32(c.weights())).logits(in);
        float[] reread = CausalLanguageModel.fromWeights(back.config(), WeightSource.fp32(back.weights())).logits(in);
        assertArrayEquals(original, reread, "the same FP32 weights through the same kernels: bit for bit");

        Path gguf = tmp.resolve("stories260K.gguf");
        BpeTokenizer tokenizer = (BpeTokenizer) Tokenizers.load(folder());
        GgufDecoder.write(gguf, c.config(), c.weights(), Map.of(), tokenizer, "stories260K");
        GgufDecoder g = GgufDecoder.read(gguf);
        assertEquals(c.config(), g.config(), "the config through GGUF metadata");
        float[] fromGguf = CausalLanguageModel.fromWeights(g.config(), new QuantizedWeightSource(g.dense(), g.quantized()))
                .logits(in);
        assertArrayEquals(original, fromGguf, "through GGUF (query and key rows permuted there and back): bit for bit");
        String text = "Once upon a time, Lily saw a cat.";
        assertArrayEquals(tokenizer.encode(text).ids(), g.tokenizer().encode(text).ids(), "the tokenizer through GGUF");
        LanguageModel fromFile = LanguageModel.load(gguf);
        assertTrue(fromFile.generator().generate(new int[] {1}, 80, Sampler.greedy(), null).text().startsWith(KNOWN),
                "greedy story from the GGUF file");
    }

    @Test
    void q8_0ThroughGgufComputesAsTheQuantizedFolder() throws Exception {
        DecoderCheckpoint c = DecoderCheckpoint.load(folder());
        QuantizedDecoder q = QuantizedDecoder.quantize(c, QuantScheme.Q8_0);
        Path gguf = tmp.resolve("q8.gguf");
        GgufDecoder.write(gguf, c.config(), q.dense(), q.quantized(), (BpeTokenizer) Tokenizers.load(folder()), "q8");
        GgufDecoder g = GgufDecoder.read(gguf);
        assertEquals(q.quantized().keySet(), g.quantized().keySet());
        int[] ids = {1, 403, 407, 261, 378};
        EncoderInput in = new EncoderInput(1, ids.length, ids, new int[ids.length], new int[] {1, 1, 1, 1, 1});
        assertArrayEquals(q.model().logits(in),
                CausalLanguageModel.fromWeights(g.config(), new QuantizedWeightSource(g.dense(), g.quantized())).logits(in),
                "the same packed blocks, rows moved there and back: bit for bit");
    }
}
