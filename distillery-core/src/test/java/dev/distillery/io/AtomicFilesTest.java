package dev.distillery.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path tmp;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void replacesTheTargetAndLeavesNoTemporaryFile() throws IOException {
        Path target = tmp.resolve("a.json");
        AtomicFiles.writeString(target, "old");
        AtomicFiles.writeString(target, "new");
        assertEquals("new", Files.readString(target));
        assertEquals(List.of("a.json"), names());
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
    }

    @Test
    void aFailingWriterKeepsTheOldContent() throws IOException {
        Path target = tmp.resolve("model.safetensors");
        AtomicFiles.writeString(target, "complete");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(new byte[100_000]);
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("complete", Files.readString(target));
        assertEquals(List.of("model.safetensors"), names());
    }

    @Test
    void createsParentFoldersAndCopies() throws IOException {
        Path source = tmp.resolve("vocab.txt");
        Files.writeString(source, "[PAD]\n");
        Path target = tmp.resolve("out/sub/vocab.txt");
        AtomicFiles.copy(source, target);
        assertEquals("[PAD]\n", Files.readString(target));
    }
}
