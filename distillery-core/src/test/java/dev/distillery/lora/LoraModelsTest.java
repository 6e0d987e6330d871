package dev.distillery.lora;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.io.SafetensorsFile;
import dev.distillery.io.TensorInfo;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.WeightSource;
import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA decoders on stories260K (a real llama2.c model): the PEFT folder round-trips bit for bit,
 * an adapter applied to the base computes what the training model computed, a merged model gives
 * the logits of base plus adapter, a 4-bit base stays packed, and damaged or foreign adapter
 * folders are refused in one sentence naming the folder.
 */
class LoraModelsTest {
    private static final LoraConfig LORA = new LoraConfig(4, 8f, 0f, List.of("q", "v", "o", "down"),
            LoraConfig.Bias.NONE);
    /** Two stories' first tokens from tok512 (BOS, "Once upon a time, ..."), the second one shorter (padding). */
    private static final int[][] IDS = {
            {1, 403, 407, 261, 378, 432, 274, 287, 394, 261, 259, 388, 259, 276, 411, 426},
            {1, 403, 407, 261, 378, 432, 317, 394, 261, 262, 423}};

    @TempDir
    Path tmp;

    static Path stories() throws Exception {
        return Path.of(LoraModelsTest.class.getResource("/llama2c/stories260K").toURI());
    }

    /** A training model whose adapters hold seeded random values (B is zero when fresh, so the adapter would do nothing). */
    static CausalLanguageModel withRandomAdapters(FrozenBase base) {
        CausalLanguageModel lm = LoraModels.training(base, LORA, 7);
        SplittableRandom r = new SplittableRandom(3);
        for (Parameter p : lm.parameters()) {
            float[] d = p.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (r.nextGaussian() * 0.1);
            }
            p.touch();
        }
        return lm;
    }

    static EncoderInput batch() {
        int seq = IDS[0].length;
        int[] ids = new int[2 * seq];
        int[] mask = new int[2 * seq];
        for (int b = 0; b < 2; b++) {
            System.arraycopy(IDS[b], 0, ids, b * seq, IDS[b].length);
            Arrays.fill(mask, b * seq, b * seq + IDS[b].length, 1);
        }
        return new EncoderInput(2, seq, ids, new int[2 * seq], mask);
    }

    private Path saved(CausalLanguageModel lm, FrozenBase base) throws Exception {
        Path dir = tmp.resolve("adapter");
        PeftAdapter.of(base.config(), LORA, "stories260K", lm.parameters()).write(dir);
        return dir;
    }

    @Test
    void theAdapterRoundTripsThroughPeftsLayoutAndComputesAsTrained() throws Exception {
        try (FrozenBase base = FrozenBase.load(stories(), "fp32")) {
            CausalLanguageModel lm = withRandomAdapters(base);
            assertTrue(lm.parameters().stream().allMatch(p -> p.name().contains(".lora_")),
                    "only the adapters train: " + lm.parameters().getFirst().name());
            Path dir = saved(lm, base);
            try (SafetensorsFile st = SafetensorsFile.open(dir.resolve(PeftAdapter.WEIGHTS))) {
                List<String> keys = st.tensors().stream().map(TensorInfo::name).toList();
                assertTrue(keys.contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"), keys.toString());
                assertTrue(keys.contains("base_model.model.model.layers.4.mlp.down_proj.lora_B.weight"), keys.toString());
                assertEquals(5 * 4 * 2, keys.size(), "A and B of four projections in five layers");
            }
            String json = Files.readString(dir.resolve(PeftAdapter.CONFIG));
            assertTrue(json.contains("\"r\": 4") && json.contains("\"lora_alpha\": 8")
                    && json.contains("\"peft_type\": \"LORA\"") && json.contains("\"task_type\": \"CAUSAL_LM\""), json);

            PeftAdapter read = PeftAdapter.read(dir);
            for (Parameter p : lm.parameters()) {
                assertArrayEquals(p.data(), read.tensors().get(p.name()).data(), p.name() + " read back bit for bit");
            }
            assertEquals(LORA, read.loraConfig(base.config()));
            CausalLanguageModel loaded = LoraModels.withAdapter(base.config(), base.weights(), read, dir);
            assertTrue(loaded.parameters().isEmpty(), "a loaded adapter is frozen");
            // the same modules computing in the same order: equal bits
            assertArrayEquals(lm.logits(batch()), loaded.logits(batch()));
        }
    }

    @Test
    void aMergedModelGivesTheLogitsOfBasePlusAdapter() throws Exception {
        DecoderCheckpoint c = DecoderCheckpoint.load(stories());
        Path dir;
        try (FrozenBase base = FrozenBase.load(stories(), "fp32")) {
            dir = saved(withRandomAdapters(base), base);
        }
        PeftAdapter adapter = PeftAdapter.read(dir);
        Map<String, Tensor> merged = LoraModels.merge(c.config(), c.weights(), adapter, dir);
        float[] plusAdapter = LoraModels.withAdapter(c.config(), WeightSource.fp32(c.weights()), adapter, dir)
                .logits(batch());
        float[] fromMerged = CausalLanguageModel.fromWeights(c.config(), WeightSource.fp32(merged)).logits(batch());
        float[] baseOnly = CausalLanguageModel.fromWeights(c.config(), WeightSource.fp32(c.weights())).logits(batch());
        // x·(W + ΔW) and x·W + (α/r)·(x·Aᵀ)·Bᵀ round differently in float32 (sums of 64 to 172 products per
        // layer, five layers); logits are of magnitude 10–20 and differ by about 1e-5 here, so 1e-3 absolute
        // is two orders of margin while an adapter missing from one side moves them by more than 0.1
        assertClose(plusAdapter, fromMerged, 1e-4, 1e-3, "merged vs base + adapter");
        double moved = 0;
        for (int i = 0; i < baseOnly.length; i++) {
            moved = Math.max(moved, Math.abs(baseOnly[i] - plusAdapter[i]));
        }
        assertTrue(moved > 0.1, "the adapter changes the logits (by " + moved + ")");
        assertEquals(c.weights().get("model.norm.weight"), merged.get("model.norm.weight"), "unadapted tensors are kept");
    }

    @Test
    void aFourBitBaseStaysPackedUnderItsAdapters() throws Exception {
        long fp32;
        try (FrozenBase base = FrozenBase.load(stories(), "fp32")) {
            fp32 = LoraModels.training(base, LORA, 7).bytes();
        }
        try (FrozenBase base = FrozenBase.load(stories(), "nf4-dq")) {
            assertEquals("nf4-dq", base.format());
            CausalLanguageModel lm = LoraModels.training(base, LORA, 7);
            // NF4 packs the blocks' matrices at about half a byte per weight; the embedding (tied output) stays FP32
            assertTrue(lm.bytes() < 0.45 * fp32, "held " + lm.bytes() + " bytes against " + fp32 + " for FP32");
            assertFalse(lm.head().trainable());
        }
    }

    @Test
    void damagedAndForeignAdaptersAreRefusedInOneSentence() throws Exception {
        Path dir;
        try (FrozenBase base = FrozenBase.load(stories(), "fp32")) {
            dir = saved(withRandomAdapters(base), base);
        }
        Path config = dir.resolve(PeftAdapter.CONFIG);
        String json = Files.readString(config);

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        oneLine(assertThrows(java.nio.file.NoSuchFileException.class, () -> PeftAdapter.read(empty)), "empty",
                "not a PEFT adapter folder");

        Files.writeString(config, json.replace("\"r\": 4", "\"r\": 8"));
        oneLine(assertThrows(dev.distillery.io.CheckpointFormatException.class, () -> PeftAdapter.read(dir)),
                PeftAdapter.WEIGHTS, "with r = 8 they must be [8, in] and [out, 8]");

        Files.writeString(config, json.substring(0, json.length() / 2));
        oneLine(assertThrows(dev.distillery.io.CheckpointFormatException.class, () -> PeftAdapter.read(dir)),
                PeftAdapter.CONFIG, "is not valid JSON");

        Files.writeString(config, json.replace("\"q_proj\"", "\"gate_proj\""));
        oneLine(assertThrows(dev.distillery.io.CheckpointFormatException.class, () -> PeftAdapter.read(dir)),
                PeftAdapter.WEIGHTS, "which its target_modules");

        Files.writeString(config, json);
        byte[] weights = Files.readAllBytes(dir.resolve(PeftAdapter.WEIGHTS));
        Files.write(dir.resolve(PeftAdapter.WEIGHTS), Arrays.copyOf(weights, weights.length - 100));
        oneLine(assertThrows(java.io.IOException.class, () -> PeftAdapter.read(dir)), PeftAdapter.WEIGHTS, "");
        Files.write(dir.resolve(PeftAdapter.WEIGHTS), weights);

        // stories260K's adapter (hidden 64, five layers) on the tiny Llama 2 fixture (hidden 32, two layers)
        DecoderCheckpoint tiny = DecoderCheckpoint.load(
                Path.of(LoraModelsTest.class.getResource("/fixtures/llama/tiny-llama2").toURI()));
        PeftAdapter adapter = PeftAdapter.read(dir);
        oneLine(assertThrows(IllegalArgumentException.class, () -> LoraModels.withAdapter(tiny.config(),
                WeightSource.fp32(tiny.weights()), adapter, dir)), dir.toString(), "made for another base model");
        oneLine(assertThrows(IllegalArgumentException.class, () -> LoraModels.merge(tiny.config(), tiny.weights(),
                adapter, dir)), dir.toString(), "made for another base model");
    }

    /** The message is one line, names {@code where} and says {@code what}. */
    private static void oneLine(Exception e, String where, String what) {
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.contains(where) && m.contains(what), m);
    }
}
