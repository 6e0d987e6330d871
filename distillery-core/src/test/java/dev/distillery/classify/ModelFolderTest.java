package dev.distillery.classify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.data.LabelMap;
import dev.distillery.data.TextTransform;
import dev.distillery.io.AtomicFiles;
import dev.distillery.io.Checkpoint;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.HfConfig;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Digests recorded when a folder is saved and checked when it is loaded; folders replaced whole. */
class ModelFolderTest {
    private static final List<String> TEXTS = List.of("https://www.paypal-login.bank.com/", "wiki.org/docs");

    @TempDir
    Path tmp;
    Classifier a;
    Classifier b;
    Path saved;

    @BeforeEach
    void save() throws IOException {
        Path base = TinyTeacher.baseModel(tmp.resolve("base"));
        a = Classifier.forFineTuning(base.toString(), LabelMap.of("benign", "phishing"), TextTransform.URL_NORMALIZE, 20, 1);
        b = Classifier.forFineTuning(base.toString(), LabelMap.of("benign", "phishing"), TextTransform.URL_NORMALIZE, 20, 2);
        saved = tmp.resolve("models/a");
        a.save(saved, a.manifest());
    }

    private static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return Set.copyOf(s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void theManifestRecordsEveryOtherFileOfTheFolder() throws IOException {
        Manifest m = Manifest.read(saved.resolve(Manifest.FILE));
        Set<String> expected = new HashSet<>(names(saved));
        expected.remove(Manifest.FILE);
        assertEquals(expected, m.files().keySet());
        assertTrue(m.files().keySet().containsAll(List.of(Checkpoint.CONFIG, Checkpoint.WEIGHTS, Checkpoint.VOCAB)));
        for (String name : m.files().keySet()) {
            assertEquals(FileDigest.of(saved.resolve(name)), m.files().get(name), name);
        }
        assertEquals(Set.of("base", "models"), names(tmp), "no temporary sibling is left");
        assertEquals(Set.of("a"), names(tmp.resolve("models")));
    }

    @Test
    void aChangedFileIsRefusedByNameUnlessVerificationIsSkipped() throws Exception {
        Path weights = saved.resolve(Checkpoint.WEIGHTS);
        byte[] bytes = Files.readAllBytes(weights);
        bytes[bytes.length - 1] ^= 1; // the last bit of the last weight: the file still parses
        Files.write(weights, bytes);
        ModelIntegrityException e = assertThrows(ModelIntegrityException.class, () -> Classifier.load(saved));
        assertTrue(e.getMessage().startsWith(weights + " has SHA-256 "), e.getMessage());
        assertTrue(e.getMessage().contains("changed after the model was saved") && e.getMessage().contains("--no-verify"),
                e.getMessage());
        Classifier.load(saved, Verification.SKIP).predict(TEXTS.getFirst());
        System.setProperty(ModelFolder.VERIFY_PROPERTY, "false");
        try {
            Classifier.load(saved);
        } finally {
            System.clearProperty(ModelFolder.VERIFY_PROPERTY);
        }

        Files.write(weights, Arrays.copyOf(bytes, bytes.length + 8));
        ModelIntegrityException size = assertThrows(ModelIntegrityException.class, () -> Classifier.load(saved));
        assertTrue(size.getMessage().startsWith(weights + " has " + (bytes.length + 8) + " bytes but"), size.getMessage());
    }

    @Test
    void aMissingFileAndAnAddedTokenizerAreRefused() throws IOException {
        Path vocab = saved.resolve(Checkpoint.VOCAB);
        byte[] kept = Files.readAllBytes(vocab);
        Files.delete(vocab);
        ModelIntegrityException missing = assertThrows(ModelIntegrityException.class, () -> Classifier.load(saved));
        assertTrue(missing.getMessage().startsWith(vocab + " is missing; " + saved.resolve(Manifest.FILE) + " records it"),
                missing.getMessage());
        Files.write(vocab, kept);
        Classifier.load(saved);

        // tokenizer.json wins over vocab.txt at load, so one slipped in would change every id
        Files.writeString(saved.resolve(Checkpoint.TOKENIZER_JSON), "{}");
        ModelIntegrityException added = assertThrows(ModelIntegrityException.class, () -> Classifier.load(saved));
        assertTrue(added.getMessage().startsWith(saved.resolve(Checkpoint.TOKENIZER_JSON) + " is not recorded"),
                added.getMessage());
        // a file loading never reads is no concern
        Files.delete(saved.resolve(Checkpoint.TOKENIZER_JSON));
        Files.writeString(saved.resolve("README.md"), "notes");
        Classifier.load(saved);
    }

    @Test
    void aManifestWrittenBeforeDigestsLoadsUnchecked() throws IOException {
        Path file = saved.resolve(Manifest.FILE);
        ObjectNode json = Manifest.read(file).toJson();
        json.remove("files");
        Files.writeString(file, HfConfig.pretty(json));
        assertNull(Manifest.read(file).files());
        Path weights = saved.resolve(Checkpoint.WEIGHTS);
        byte[] bytes = Files.readAllBytes(weights);
        bytes[bytes.length - 1] ^= 1;
        Files.write(weights, bytes);
        Classifier.load(saved).predict(TEXTS.getFirst());
    }

    @Test
    void recordedNamesMustBeFilesBesideTheManifest() throws IOException {
        Path file = saved.resolve(Manifest.FILE);
        String text = Files.readString(file);
        for (String name : List.of("../base/vocab.txt", "/etc/passwd", Manifest.FILE, "..")) {
            Files.writeString(file, text.replace("\"config.json\"", "\"" + name + "\""));
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Manifest.read(file));
            assertTrue(e.getMessage().contains("which is not a file beside the manifest"), e.getMessage());
        }
        Files.writeString(file, text.replaceFirst("\"sha256\": \"[0-9a-f]{64}\"", "\"sha256\": \"XYZ\""));
        CheckpointFormatException bad = assertThrows(CheckpointFormatException.class, () -> Manifest.read(file));
        assertTrue(bad.getMessage().contains("64 lower-case hex digits"), bad.getMessage());
    }

    @Test
    void savingAgainReplacesTheWholeFolderAndAFailedSaveKeepsTheOldOne() throws IOException {
        Files.createDirectories(saved.resolve(ModelFolder.CHECKPOINTS));
        Files.writeString(saved.resolve(ModelFolder.CHECKPOINTS).resolve("last.ckpt"), "resumable");
        b.save(saved, b.manifest());
        assertFalse(Files.exists(saved.resolve(ModelFolder.CHECKPOINTS)), "the new folder holds only the new model");
        assertArrayEquals(b.probabilities(TEXTS), Classifier.load(saved).probabilities(TEXTS));

        IOException full = assertThrows(IOException.class, () -> ModelFolder.write(saved, dir -> {
            Files.writeString(dir.resolve(Checkpoint.CONFIG), "{half");
            throw new IOException("disk full");
        }, a.manifest()));
        assertEquals("disk full", full.getMessage());
        assertArrayEquals(b.probabilities(TEXTS), Classifier.load(saved).probabilities(TEXTS), "the old model is intact");
        assertEquals(Set.of("a"), names(tmp.resolve("models")), "no temporary sibling is left");
    }

    @Test
    void aFolderHoldingOtherThingsIsNeverReplaced() throws IOException {
        Path busy = tmp.resolve("home");
        Files.createDirectories(busy);
        Files.writeString(busy.resolve("thesis.tex"), "years of work");
        DirectoryNotEmptyException e = assertThrows(DirectoryNotEmptyException.class, () -> a.save(busy, a.manifest()));
        assertTrue(e.getMessage().contains("refusing to replace this folder, which holds [thesis.tex]"), e.getMessage());
        assertEquals(Set.of("thesis.tex"), names(busy));
        Path empty = tmp.resolve("empty");
        Files.createDirectories(empty);
        a.save(empty, a.manifest());
        Classifier.load(empty);
    }

    @Test
    void leftoversOfADeadProcessAreCleanedAndAnInterruptedSwapIsExplained() throws IOException {
        Path models = tmp.resolve("models");
        long dead = deadPid();
        Path partial = Files.createDirectories(models.resolve(".a.partial-" + dead + "-1"));
        Files.writeString(partial.resolve(Checkpoint.CONFIG), "{half");
        b.save(saved, b.manifest());
        assertEquals(Set.of("a"), names(models), "the dead process's half-written folder is removed");

        // the process died between renaming the old folder aside and the new one into place
        Path aside = models.resolve(".a.old-" + dead + "-7");
        Files.move(saved, aside);
        assertEquals(aside, AtomicFiles.interruptedReplacement(saved));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Classifier.load(saved));
        assertTrue(e.getMessage().contains("a save into it was interrupted") && e.getMessage().contains(aside.toString()),
                e.getMessage());
        Classifier.load(aside); // complete: the user can rename it back
    }

    /** A process id that no live process has. */
    static long deadPid() {
        long pid = 4_000_000;
        while (ProcessHandle.of(pid).isPresent()) {
            pid++;
        }
        return pid;
    }
}
