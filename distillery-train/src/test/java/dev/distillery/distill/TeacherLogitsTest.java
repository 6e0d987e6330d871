package dev.distillery.distill;

import dev.distillery.classify.BatchInference;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TeacherLogitsTest {
    private static final SequenceClassifier TEACHER = SequenceClassifier.create(TinyUrls.config("bert", 30, 8, 1, 16), 3);

    private static TokenizedExamples examples(int... firstIds) {
        List<int[]> ids = Arrays.stream(firstIds).mapToObj(f -> new int[] {2, f, f + 1, 3}).toList();
        return TokenizedExamples.of("tiny", ids, new int[firstIds.length], 2);
    }

    @Test
    void computedOnceRowsLookUpAndTheFileRoundTripsBitExact(@TempDir Path dir) throws IOException {
        TokenizedExamples ex = examples(5, 9, 12, 20);
        Path file = dir.resolve("teacher-logits.bin");
        TeacherLogits first = TeacherLogits.cached(file, TEACHER, ex, 3);
        assertArrayEquals(BatchInference.logits(TEACHER, ex, 3), first.logits()); // same batches, same kernels
        assertTrue(Files.exists(file));
        float[] rows = first.rows(new int[] {2, 0});
        assertArrayEquals(Arrays.copyOfRange(first.logits(), 4, 6), Arrays.copyOfRange(rows, 0, 2));
        assertArrayEquals(Arrays.copyOfRange(first.logits(), 0, 2), Arrays.copyOfRange(rows, 2, 4));

        // another model: a cache hit must not run it, so its different logits must not show up
        SequenceClassifier other = SequenceClassifier.create(TinyUrls.config("bert", 30, 8, 1, 16), 4);
        TeacherLogits again = TeacherLogits.cached(file, other, ex, 3);
        assertArrayEquals(first.logits(), again.logits());
        assertEquals(first.dataFingerprint(), again.dataFingerprint());
    }

    @Test
    void aCacheOfOtherDataOrADamagedFileIsAClearError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("teacher-logits.bin");
        TeacherLogits.compute(TEACHER, examples(5, 9), 8).write(file);
        TeacherLogitsException other = assertThrows(TeacherLogitsException.class,
                () -> TeacherLogits.cached(file, TEACHER, examples(5, 10), 8));
        assertTrue(other.getMessage().contains(file.toString()) && other.getMessage().contains("delete the file"),
                other.getMessage());
        assertThrows(TeacherLogitsException.class, () -> TeacherLogits.cached(file, TEACHER, examples(5, 9, 11), 8));

        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 3));
        assertTrue(assertThrows(TeacherLogitsException.class, () -> TeacherLogits.read(file)).getMessage()
                .contains("bytes"));
        Files.write(file, Arrays.copyOf(bytes, 10));
        assertThrows(TeacherLogitsException.class, () -> TeacherLogits.read(file));
        byte[] version = bytes.clone();
        version[11] = 9;
        Files.write(file, version);
        assertTrue(assertThrows(TeacherLogitsException.class, () -> TeacherLogits.read(file)).getMessage()
                .contains("version 9"));
        byte[] magic = bytes.clone();
        magic[0] = 'X';
        Files.write(file, magic);
        assertThrows(TeacherLogitsException.class, () -> TeacherLogits.read(file));
    }
}
