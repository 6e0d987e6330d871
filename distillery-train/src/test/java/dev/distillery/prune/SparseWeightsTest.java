package dev.distillery.prune;

import dev.distillery.io.Checkpoint;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.DType;
import dev.distillery.io.RawTensor;
import dev.distillery.io.SafetensorsWriter;
import dev.distillery.io.SparseWeights;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparseWeightsTest {

    @Test
    void roundTripIsExactAndOnlySparseEnoughTensorsAreStoredSparsely(@TempDir Path dir) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("dense", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        tensors.put("half", Tensor.of(new float[] {0, -1.5f, 0, 0, 7, 0, 0, 0, 0, 1e-30f, -0f, 0}, 3, 4));
        tensors.put("zeros", Tensor.of(new float[9], 9));
        Path file = dir.resolve(SparseWeights.FILE);
        SparseWeights.write(file, tensors, Map.of("format", "pt"));
        Map<String, Tensor> back = SparseWeights.read(file);
        assertEquals(tensors.keySet(), back.keySet());
        for (String n : tensors.keySet()) {
            assertArrayEquals(tensors.get(n).shape(), back.get(n).shape(), n);
            assertArrayEquals(tensors.get(n).data(), back.get(n).data(), n);
        }
        assertFalse(SparseWeights.smallerSparse(tensors.get("dense")));
        assertTrue(SparseWeights.smallerSparse(tensors.get("half")));
    }

    @Test
    void sparsifiedClassifierFolderLoadsToTheSameWeightsAndShrinks(@TempDir Path dir) throws IOException {
        SequenceClassifier m = TinyPruning.model(TinyPruning.config("bert"), 2);
        SparsityMasks.magnitude(m, 0.9, SparsityScope.LAYER).apply(m);
        Checkpoint.write(dir, m.config(), m.weights(), null);
        long dense = Files.size(dir.resolve(Checkpoint.WEIGHTS));
        assertTrue(SparseWeights.sparsify(dir));
        assertFalse(Files.exists(dir.resolve(Checkpoint.WEIGHTS)));
        assertTrue(Files.size(dir.resolve(SparseWeights.FILE)) < dense);
        Checkpoint read = Checkpoint.read(dir);
        for (Map.Entry<String, Tensor> e : m.weights().entrySet()) {
            assertArrayEquals(e.getValue().data(), read.weights().get(e.getKey()).data(), e.getKey());
        }
        SparseWeights.densify(dir);
        assertEquals(dense, Files.size(dir.resolve(Checkpoint.WEIGHTS)));
        assertArrayEquals(m.weights().get("classifier.weight").data(),
                Checkpoint.read(dir).weights().get("classifier.weight").data());
    }

    private static RawTensor i64(long... v) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return new RawTensor(DType.I64, new long[] {v.length}, b.array());
    }

    private static RawTensor f32(float... v) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return new RawTensor(DType.F32, new long[] {v.length}, b.array());
    }

    private static RawTensor u8(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return new RawTensor(DType.U8, new long[] {v.length}, b);
    }

    private static String corrupt(Path dir, Map<String, RawTensor> tensors, String version) throws IOException {
        Path file = dir.resolve("bad.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of("format", SparseWeights.FORMAT, "version", version));
        return assertThrows(CheckpointFormatException.class, () -> SparseWeights.read(file)).getMessage();
    }

    @Test
    void corruptFilesAreRejectedNamingTheProblem(@TempDir Path dir) throws IOException {
        // a valid 2x5 tensor: mask 0b0000_0101, 0b00 → elements 0 and 2
        Map<String, RawTensor> ok = new LinkedHashMap<>(Map.of("w.__shape", i64(2, 5), "w.__mask", u8(0b101, 0),
                "w.__values", f32(1, 2)));
        Path good = dir.resolve("good.safetensors");
        SafetensorsWriter.write(good, ok, Map.of("format", SparseWeights.FORMAT, "version", SparseWeights.VERSION));
        assertArrayEquals(new float[] {1, 0, 2, 0, 0, 0, 0, 0, 0, 0}, SparseWeights.read(good).get("w").data());

        assertTrue(corrupt(dir, ok, "2").contains("version 2"));
        Map<String, RawTensor> count = new LinkedHashMap<>(ok);
        count.put("w.__values", f32(1, 2, 3));
        assertTrue(corrupt(dir, count, "1").contains("marks 2 stored elements but it has 3 values"));
        Map<String, RawTensor> pastEnd = new LinkedHashMap<>(ok);
        pastEnd.put("w.__mask", u8(0b101, 0b100));
        pastEnd.put("w.__values", f32(1, 2, 3));
        assertTrue(corrupt(dir, pastEnd, "1").contains("past its 10 elements"));
        Map<String, RawTensor> length = new LinkedHashMap<>(ok);
        length.put("w.__mask", u8(0b101));
        assertTrue(corrupt(dir, length, "1").contains("has 1 bytes; its shape [2, 5] needs 2"));
        Map<String, RawTensor> missing = new LinkedHashMap<>(ok);
        missing.remove("w.__shape");
        assertTrue(corrupt(dir, missing, "1").contains("has no w.__shape"));
        Map<String, RawTensor> shape = new LinkedHashMap<>(ok);
        shape.put("w.__shape", i64(2, -5));
        assertTrue(corrupt(dir, shape, "1").contains("dimension -5"));
        Map<String, RawTensor> both = new LinkedHashMap<>(ok);
        both.put("w", f32(1));
        assertTrue(corrupt(dir, both, "1").contains("both densely and sparsely"));

        Path plain = dir.resolve("plain.safetensors");
        SafetensorsWriter.write(plain, Map.of("w", f32(1)), Map.of("format", "pt"));
        assertTrue(assertThrows(CheckpointFormatException.class, () -> SparseWeights.read(plain)).getMessage()
                .contains("not a Distillery sparse weights file"));
    }
}
