package dev.distillery.model.llama;

import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.gguf.GgufDecoder;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.WeightSource;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizedDecoder;
import dev.distillery.quant.QuantizedWeightSource;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GGUF round trips of the fixture decoders: grouped-query Llama 2 (query and key rows permuted to
 * llama.cpp's adjacent pairs and back) and Qwen2 (biases, halves kept); Llama 3's rope scaling is
 * refused rather than written wrong.
 */
class GgufDecoderTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama2", "tiny-qwen2"})
    void writtenAndReadBackTheModelComputesTheSameLogits(String variant) throws Exception {
        LlamaFixture f = LlamaFixture.load(variant);
        Path file = tmp.resolve(variant + ".gguf");
        GgufDecoder.write(file, f.config(), f.checkpoint().weights(), Map.of(), null, variant);
        GgufDecoder g = GgufDecoder.read(file);
        assertEquals(f.config(), g.config(), "config through GGUF metadata");
        float[] expected = CausalLanguageModel.fromWeights(f.config(), WeightSource.fp32(f.checkpoint().weights()))
                .logits(f.input());
        float[] actual = CausalLanguageModel.fromWeights(g.config(), new QuantizedWeightSource(g.dense(), g.quantized()))
                .logits(f.input());
        assertArrayEquals(expected, actual, variant + " through GGUF: bit for bit");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3"})
    void llama3ScalingAndNf4AreRefused(String variant) {
        LlamaFixture f = LlamaFixture.load(variant);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GgufDecoder.write(
                tmp.resolve("x.gguf"), f.config(), f.checkpoint().weights(), Map.of(), null, variant));
        assertTrue(e.getMessage().contains("rope scaling"), e.getMessage());
        LlamaFixture llama2 = LlamaFixture.load("tiny-llama2");
        QuantizedDecoder nf4 = QuantizedDecoder.quantize(llama2.checkpoint(), QuantScheme.NF4);
        e = assertThrows(IllegalArgumentException.class, () -> GgufDecoder.write(tmp.resolve("y.gguf"), llama2.config(),
                nf4.dense(), nf4.quantized(), null, "nf4"));
        assertTrue(e.getMessage().contains("GGUF has no type"), e.getMessage());
        assertThrows(CheckpointFormatException.class, () -> GgufDecoder.read(llama2.dir().resolve("config.json")));
    }
}
