package dev.distillery.model.llama;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.DType;
import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.io.SafetensorsWriter;
import dev.distillery.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decoder folders: one file or sharded, F32/F16/BF16, and the damaged ones refused with the file named. */
class DecoderCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void aShardedCheckpointReadsAsTheSingleFile() throws Exception {
        LlamaFixture f = LlamaFixture.load("tiny-llama2");
        Path dir = tmp.resolve("sharded");
        DecoderCheckpoint.write(dir, f.config(), f.checkpoint().weights(), null, DType.F32);
        Files.delete(dir.resolve("model.safetensors"));
        Map<String, Tensor> first = new LinkedHashMap<>();
        Map<String, Tensor> second = new LinkedHashMap<>();
        ObjectNode index = new ObjectMapper().createObjectNode();
        ObjectNode map = index.putObject("weight_map");
        int i = 0;
        for (Map.Entry<String, Tensor> e : f.checkpoint().weights().entrySet()) {
            boolean one = i++ % 2 == 0;
            (one ? first : second).put(e.getKey(), e.getValue());
            map.put(e.getKey(), one ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        }
        SafetensorsWriter.writeFloats(dir.resolve("model-00001-of-00002.safetensors"), first, DType.BF16, Map.of());
        SafetensorsWriter.writeFloats(dir.resolve("model-00002-of-00002.safetensors"), second, DType.F16, Map.of());
        Files.writeString(dir.resolve(DecoderCheckpoint.INDEX), index.toString());
        DecoderCheckpoint read = DecoderCheckpoint.read(dir);
        assertEquals(f.checkpoint().weights().keySet(), read.weights().keySet());
        // the fixture's weights are exact in their own dtype (F32 here), so BF16 and F16 round them; the layout is what is checked
        assertArrayEquals(f.checkpoint().weights().get("lm_head.weight").shape(), read.weights().get("lm_head.weight").shape());
        assertEquals(2, DecoderCheckpoint.weightFiles(dir).size());

        map.put("model.norm.weight", "model-00003-of-00002.safetensors");
        Files.writeString(dir.resolve(DecoderCheckpoint.INDEX), index.toString());
        CheckpointFormatException missing = assertThrows(CheckpointFormatException.class, () -> DecoderCheckpoint.read(dir));
        assertTrue(missing.getMessage().contains("model-00003-of-00002.safetensors"), missing.getMessage());

        map.put("model.norm.weight", "model-00002-of-00002.safetensors"); // which the first shard holds, not the second
        map.put("model.embed_tokens.weight", "model-00002-of-00002.safetensors");
        Files.writeString(dir.resolve(DecoderCheckpoint.INDEX), index.toString());
        CheckpointFormatException misplaced = assertThrows(CheckpointFormatException.class, () -> DecoderCheckpoint.read(dir));
        assertTrue(misplaced.getMessage().contains("does not hold it"), misplaced.getMessage());
    }

    @Test
    void missingOrMisshapenWeightsAndEncodersAreRefused() throws Exception {
        LlamaFixture f = LlamaFixture.load("tiny-qwen2");
        Map<String, Tensor> weights = new LinkedHashMap<>(f.checkpoint().weights());
        Path dir = tmp.resolve("qwen");
        DecoderCheckpoint.write(dir, f.config(), weights, null, DType.F32);
        weights.remove("model.layers.1.self_attn.v_proj.bias");
        SafetensorsWriter.writeFloats(dir.resolve("model.safetensors"), weights, DType.F32, Map.of());
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> DecoderCheckpoint.read(dir));
        assertTrue(e.getMessage().contains("model.layers.1.self_attn.v_proj.bias"), e.getMessage());
        weights.put("model.layers.1.self_attn.v_proj.bias", Tensor.zeros(3));
        SafetensorsWriter.writeFloats(dir.resolve("model.safetensors"), weights, DType.F32, Map.of());
        e = assertThrows(CheckpointFormatException.class, () -> DecoderCheckpoint.read(dir));
        assertTrue(e.getMessage().contains("wrong shape"), e.getMessage());
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"bert\"}");
        e = assertThrows(CheckpointFormatException.class, () -> DecoderCheckpoint.read(dir));
        assertTrue(e.getMessage().contains("not a decoder"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> DecoderCheckpoint.write(tmp.resolve("w"), f.config(), Map.of(), null, DType.F32));
    }
}
