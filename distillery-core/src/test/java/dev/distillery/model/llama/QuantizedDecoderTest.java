package dev.distillery.model.llama;

import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.WeightSource;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizedDecoder;
import dev.distillery.quant.QuantizedTensor;
import dev.distillery.quant.TensorLayout;
import dev.distillery.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A quantized decoder computes, on its packed weights, exactly the model of its dequantized
 * weights, survives a write and read bit for bit, and packs what llama.cpp and bitsandbytes users
 * expect.
 */
class QuantizedDecoderTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(value = QuantScheme.class, names = {"Q8_0", "Q4_0", "NF4", "NF4_DQ"})
    void packedWeightsComputeTheDequantizedModelAndRoundTrip(QuantScheme scheme) throws Exception {
        for (String variant : new String[] {"tiny-llama2", "tiny-llama3"}) {
            LlamaFixture f = LlamaFixture.load(variant);
            QuantizedDecoder q = QuantizedDecoder.quantize(f.checkpoint(), scheme);
            Path dir = tmp.resolve(variant + "-" + scheme.id());
            q.write(dir, null);
            QuantizedDecoder read = QuantizedDecoder.read(dir);
            assertEquals(q.quantized().keySet(), read.quantized().keySet());
            for (Map.Entry<String, QuantizedTensor> e : q.quantized().entrySet()) {
                assertEquals(TensorLayout.encode(e.getKey(), e.getValue()),
                        TensorLayout.encode(e.getKey(), read.quantized().get(e.getKey())),
                        e.getKey() + " bit for bit after a round trip");
            }
            Map<String, Tensor> dequantized = new LinkedHashMap<>(read.dense());
            read.quantized().forEach((name, t) -> dequantized.put(name, Tensor.of(t.dequantize(), t.rows(), t.cols())));
            CausalLanguageModel reference = CausalLanguageModel.fromWeights(f.config(), WeightSource.fp32(dequantized));
            CausalLanguageModel packed = read.model();
            // the same quantized model, only summation order differs (blocked kernels against packed FP32)
            assertClose(reference.logits(f.input()), packed.logits(f.input()), 1e-4, 1e-4,
                    scheme.id() + " logits of " + variant);
            assertTrue(packed.bytes() < reference.bytes(), "packed " + packed.bytes() + " against FP32 "
                    + reference.bytes());
        }
    }

    @Test
    void ggmlSchemesPackTheEmbeddingAndKeepTheOutputLayerAtEightBits() {
        LlamaFixture llama2 = LlamaFixture.load("tiny-llama2"); // separate lm_head
        QuantizedDecoder q4 = QuantizedDecoder.quantize(llama2.checkpoint(), QuantScheme.Q4_0);
        assertEquals(QuantScheme.Q4_0, q4.info().tensors().get("model.embed_tokens.weight"));
        assertEquals(QuantScheme.Q8_0, q4.info().tensors().get("lm_head.weight"));
        assertEquals(QuantScheme.Q4_0, q4.info().tensors().get("model.layers.0.self_attn.q_proj.weight"));
        // the FFN width of 48 is not a multiple of Q4_0's block of 32: down_proj stays FP32, and says so
        assertTrue(q4.info().skipped().contains("model.layers.0.mlp.down_proj.weight"));
        assertTrue(q4.dense().containsKey("model.layers.0.mlp.down_proj.weight"));
        LlamaFixture llama3 = LlamaFixture.load("tiny-llama3"); // tied: the embedding is the output layer
        assertEquals(QuantScheme.Q8_0,
                QuantizedDecoder.quantize(llama3.checkpoint(), QuantScheme.Q4_0).info().tensors().get("model.embed_tokens.weight"));
    }

    @Test
    void bitsandbytesSchemesPackOnlyTheBlocksLinearLayers() {
        LlamaFixture f = LlamaFixture.load("tiny-llama2");
        QuantizedDecoder nf4 = QuantizedDecoder.quantize(f.checkpoint(), QuantScheme.NF4);
        assertFalse(nf4.quantized().containsKey("model.embed_tokens.weight"));
        assertFalse(nf4.quantized().containsKey("lm_head.weight"));
        assertArrayEquals(f.checkpoint().weights().get("lm_head.weight").data(), nf4.dense().get("lm_head.weight").data());
        assertTrue(nf4.quantized().containsKey("model.layers.1.mlp.gate_proj.weight"));
    }
}
