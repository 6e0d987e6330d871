package dev.distillery.model.llama;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.HfConfig;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
import dev.distillery.nn.Rope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Llama-family configs as Hugging Face writes them: real ones read, variants told apart, the unsupported refused. */
class LlamaConfigTest {
    @TempDir
    Path tmp;

    @Test
    void readsTheRealSmolLm2Config() throws Exception {
        Path file = Path.of(getClass().getResource("/fixtures/llama/smollm2-135m-instruct-config.json").toURI());
        LlamaConfig c = (LlamaConfig) HfConfig.readAny(file);
        assertEquals("llama", c.family());
        assertEquals(576, c.hiddenSize());
        assertEquals(30, c.numLayers());
        assertEquals(9, c.numHeads());
        assertEquals(3, c.numKvHeads());
        assertEquals(64, c.headDim());
        assertEquals(1536, c.intermediateSize());
        assertEquals(49152, c.vocabSize());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(100000.0, c.ropeTheta());
        assertNull(c.ropeScaling());
        assertEquals(134_515_008L, ModelFamilies.of(c).tensorShapes(c).values().stream()
                .mapToLong(s -> java.util.Arrays.stream(s).asLongStream().reduce(1, (a, b) -> a * b)).sum(),
                "SmolLM2-135M's parameter count");
    }

    @Test
    void llama3ScalingQwen2BiasesAndTheirRoundTrip() throws Exception {
        LlamaConfig llama3 = read("""
                {"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2,
                 "num_hidden_layers": 1, "intermediate_size": 96, "vocab_size": 100, "eos_token_id": [7, 9],
                 "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                   "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}, "rope_theta": 500000.0}""");
        assertEquals(new Rope.Llama3Scaling(8, 1, 4, 8192), llama3.ropeScaling());
        assertEquals(List.of(7, 9), llama3.eosTokenIds());
        LlamaConfig qwen = read("""
                {"model_type": "qwen2", "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2,
                 "num_hidden_layers": 1, "intermediate_size": 96, "vocab_size": 100, "use_sliding_window": false}""");
        assertTrue(qwen.qkvBias() && !qwen.outputBias());
        assertTrue(ModelFamilies.of(qwen).tensorShapes(qwen).containsKey("model.layers.0.self_attn.k_proj.bias"));
        for (LlamaConfig c : List.of(llama3, qwen)) {
            Path f = tmp.resolve(c.family() + ".json");
            HfConfig.write(f, c, "float32");
            assertEquals(c, HfConfig.readAny(f), "written and read back: " + Files.readString(f));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            other activation     | {"model_type":"llama","hidden_act":"gelu"}                                      | hidden_act is "gelu"
            yarn scaling         | {"model_type":"llama","rope_scaling":{"rope_type":"yarn","factor":4.0}}        | rope_scaling of type "yarn"
            sliding window       | {"model_type":"qwen2","use_sliding_window":true}                               | use_sliding_window
            uneven groups        | {"model_type":"llama","num_attention_heads":6,"num_key_value_heads":4}         | cannot share 4 key/value heads
            bad eos              | {"model_type":"llama","eos_token_id":"x"}                                      | "eos_token_id"
            unknown type         | {"model_type":"mamba"}                                                         | model_type "mamba"
            """)
    void refuses(String why, String json, String expected) throws Exception {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, json);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> HfConfig.readAny(f));
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains(f.toString()), why + ": " + e.getMessage());
    }

    private LlamaConfig read(String json) throws Exception {
        return (LlamaConfig) HfConfig.fromJsonAny((ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(json), "test");
    }
}
