package dev.distillery.train;

import dev.distillery.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointFileTest {
    @TempDir
    Path dir;

    private static Checkpoint sample(boolean withOptimizer) {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        weights.put("bert.embeddings.word_embeddings.weight", Tensor.of(new float[] {1.5f, -0f, Float.MIN_VALUE,
                Float.MAX_VALUE, 1e-30f, -7f}, 3, 2));
        weights.put("classifier.bias", Tensor.of(new float[] {0.25f, Float.NaN}, 2));
        AdamW.State optimizer = !withOptimizer ? null : new AdamW.State(List.of(
                new AdamW.ParamState("bert.embeddings.word_embeddings.weight", 12, new float[] {1, 2, 3, 4, 5, 6},
                        new float[] {6, 5, 4, 3, 2, 1}),
                new AdamW.ParamState("classifier.bias", 11, new float[] {-1, 1}, new float[] {0.5f, 0.25f})));
        TrainerState state = new TrainerState(TrainOptions.defaults(), "config", 0x1234_5678_9abcL, 40, 1, 2, 4,
                1.75, 2, List.of(new int[] {3, 1}, new int[] {0, 2}), 1, 0.875, 0, false,
                List.of(new EpochSummary(1, 0.7, Double.NaN, 0.5, 0.4, 0.875, true, 3)));
        return new Checkpoint(state, weights, optimizer);
    }

    @Test
    void roundTripsEveryFieldBitForBit() {
        Path file = dir.resolve("last.ckpt");
        Checkpoint written = sample(true);
        CheckpointFile.write(file, written);
        Checkpoint read = CheckpointFile.read(file);

        assertEquals(written.weights().keySet(), read.weights().keySet());
        written.weights().forEach((name, t) -> {
            assertArrayEquals(t.shape(), read.weights().get(name).shape(), name);
            assertArrayEquals(t.data(), read.weights().get(name).data(), name);
        });
        for (int i = 0; i < 2; i++) {
            AdamW.ParamState w = written.optimizer().params().get(i);
            AdamW.ParamState r = read.optimizer().params().get(i);
            assertEquals(w.name(), r.name());
            assertEquals(w.step(), r.step());
            assertArrayEquals(w.expAvg(), r.expAvg());
            assertArrayEquals(w.expAvgSq(), r.expAvgSq());
        }
        TrainerState ws = written.state();
        TrainerState rs = read.state();
        assertEquals(ws.options(), rs.options());
        assertEquals(ws.history(), rs.history());
        assertEquals(ws.dataFingerprint(), rs.dataFingerprint());
        assertEquals(ws.bestScore(), rs.bestScore());
        assertEquals(ws.epochOrder().size(), rs.epochOrder().size());
        for (int i = 0; i < ws.epochOrder().size(); i++) {
            assertArrayEquals(ws.epochOrder().get(i), rs.epochOrder().get(i));
        }
        assertEquals(Arrays.asList(ws.epoch(), ws.nextBatch(), ws.optimizerSteps(), ws.epochBatches()),
                Arrays.asList(rs.epoch(), rs.nextBatch(), rs.optimizerSteps(), rs.epochBatches()));
        assertEquals(ws.epochLossSum(), rs.epochLossSum());
    }

    @Test
    void weightsOnlyCheckpointsHaveNoOptimizer() {
        Path file = dir.resolve("best.ckpt");
        CheckpointFile.write(file, sample(false));
        assertNull(CheckpointFile.read(file).optimizer());
    }

    @Test
    void overwritesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("last.ckpt");
        CheckpointFile.write(file, sample(true));
        CheckpointFile.write(file, sample(false));
        assertNull(CheckpointFile.read(file).optimizer(), "the second write replaced the first");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void everyTruncationIsReportedWithTheFileName() throws IOException {
        Path file = dir.resolve("last.ckpt");
        CheckpointFile.write(file, sample(true));
        byte[] full = Files.readAllBytes(file);
        Path cut = dir.resolve("cut.ckpt");
        for (int length = 0; length < full.length; length++) {
            Files.write(cut, Arrays.copyOf(full, length));
            CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointFile.read(cut),
                    "truncated to " + length + " bytes");
            assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
        }
    }

    @Test
    void aFlippedBitFailsTheChecksum() throws IOException {
        Path file = dir.resolve("last.ckpt");
        CheckpointFile.write(file, sample(true));
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 20] ^= 0x10; // inside the last tensor's data
        Files.write(file, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointFile.read(file));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void otherFilesAndVersionsAreRefused() throws IOException {
        Path file = dir.resolve("last.ckpt");
        CheckpointFile.write(file, sample(true));
        byte[] bytes = Files.readAllBytes(file);

        byte[] version = bytes.clone();
        ByteBuffer.wrap(version).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 99);
        Files.write(file, version);
        CheckpointException v = assertThrows(CheckpointException.class, () -> CheckpointFile.read(file));
        assertTrue(v.getMessage().contains("version 99"), v.getMessage());

        Path text = dir.resolve("model.safetensors");
        Files.writeString(text, "this is not a checkpoint at all, just some text");
        CheckpointException m = assertThrows(CheckpointException.class, () -> CheckpointFile.read(text));
        assertTrue(m.getMessage().contains("magic"), m.getMessage());

        CheckpointException missing = assertThrows(CheckpointException.class,
                () -> CheckpointFile.read(dir.resolve("absent.ckpt")));
        assertTrue(missing.getMessage().contains("absent.ckpt"), missing.getMessage());
    }

    @Test
    void hugeDeclaredSizesFailBeforeAllocating() throws IOException {
        Path file = dir.resolve("last.ckpt");
        CheckpointFile.write(file, sample(true));
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(12, Long.MAX_VALUE / 2);
        Files.write(file, bytes);
        CheckpointException h = assertThrows(CheckpointException.class, () -> CheckpointFile.read(file));
        assertTrue(h.getMessage().contains("header"), h.getMessage());

        // a well-formed header that promises a 40 GB tensor in a tiny file
        byte[] json = ("{\"state\":" + stateJson() + ",\"tensors\":[{\"name\":\"model/x\",\"shape\":[100000,100000]}],"
                + "\"optimizerSteps\":null}").getBytes(StandardCharsets.UTF_8);
        ByteBuffer crafted = ByteBuffer.allocate(20 + json.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        crafted.put("DSTLCKPT".getBytes(StandardCharsets.US_ASCII)).putInt(1).putLong(json.length).put(json)
                .putInt(0).put("DEND".getBytes(StandardCharsets.US_ASCII));
        Path lying = dir.resolve("lying.ckpt");
        Files.write(lying, crafted.array());
        CheckpointException t = assertThrows(CheckpointException.class, () -> CheckpointFile.read(lying));
        assertTrue(t.getMessage().contains("too large") || t.getMessage().contains("truncated"), t.getMessage());
    }

    /** The JSON of a valid trainer state, cut out of a real checkpoint's header. */
    private String stateJson() throws IOException {
        Path file = dir.resolve("for-json.ckpt");
        CheckpointFile.write(file, sample(false));
        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(12);
        String header = new String(bytes, 20, (int) headerLength, StandardCharsets.UTF_8);
        int start = header.indexOf("{", 1);
        int end = header.indexOf(",\"tensors\"");
        return header.substring(start, end);
    }
}
