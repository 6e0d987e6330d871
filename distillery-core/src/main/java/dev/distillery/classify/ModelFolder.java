package dev.distillery.classify;

import dev.distillery.io.AtomicFiles;
import dev.distillery.io.Checkpoint;
import dev.distillery.io.SparseWeights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * How a classifier folder is written and checked as one thing. {@link #write} builds the folder in a temporary
 * sibling, writes the manifest last with the size and SHA-256 of every other file in it, and renames it into place
 * ({@link AtomicFiles#replaceDirectory}), so a crash never leaves a half-written model where a complete one was.
 * {@link #verify} checks a folder against its manifest before it is loaded.
 *
 * <p>Checking reads every byte once (about a second per GB); it is skipped for very large models with
 * {@code -D}{@value #VERIFY_PROPERTY}{@code =false} (the command line's {@code --no-verify}) or
 * {@link Classifier#load(Path, Verification)}. Manifests written before digests were recorded have no
 * {@code "files"} and load unchecked.
 */
public final class ModelFolder {
    /** System property that turns verification off when {@code false}. */
    public static final String VERIFY_PROPERTY = "distillery.verify";
    /** The training checkpoints a command keeps inside its output folder until the model is saved. */
    public static final String CHECKPOINTS = ".checkpoints";
    /**
     * The LoRA adapter (PEFT's layout) a fine-tune saves beside the classifier it merged it into;
     * loading never reads it, and a new save replaces it.
     */
    public static final String ADAPTER = "adapter";

    /** Files a loader reads when present: one the manifest does not record would change what loads. */
    static final Set<String> LOADED = Set.of(Checkpoint.CONFIG, Checkpoint.WEIGHTS, SparseWeights.FILE, Checkpoint.VOCAB,
            Checkpoint.TOKENIZER_JSON, Checkpoint.TOKENIZER_CONFIG, Checkpoint.SPECIAL_TOKENS);

    private ModelFolder() {
    }

    /** Writes a folder's files (everything but the manifest) into the empty folder it is given. */
    @FunctionalInterface
    public interface Contents {
        void writeTo(Path dir) throws IOException;
    }

    /** Whether loading checks digests: yes, unless {@value #VERIFY_PROPERTY} is {@code false}. */
    public static Verification defaultVerification() {
        return "false".equalsIgnoreCase(System.getProperty(VERIFY_PROPERTY)) ? Verification.SKIP : Verification.CHECK;
    }

    /**
     * Writes {@code dir} whole: {@code contents}, then {@code manifest} recording every file's digest, in a
     * temporary sibling renamed into place. An existing {@code dir} is replaced only when it holds nothing but
     * what a model folder holds (model files, reports, {@value #CHECKPOINTS}); anything else is refused.
     *
     * @return the manifest as written, with its {@code files}
     */
    public static Manifest write(Path dir, Contents contents, Manifest manifest) throws IOException {
        Manifest[] written = new Manifest[1];
        AtomicFiles.replaceDirectory(dir, ModelFolder::replaceable, tmp -> {
            contents.writeTo(tmp);
            written[0] = manifest.withFiles(digests(tmp));
            written[0].write(tmp.resolve(Manifest.FILE));
        });
        return written[0];
    }

    /** Names an existing model folder may hold and still be replaced by {@link #write}. */
    static boolean replaceable(String name) {
        return LOADED.contains(name) || name.equals(Manifest.FILE) || name.equals(CHECKPOINTS) || name.equals(ADAPTER)
                || name.startsWith("quantization.") || (name.startsWith(".") && name.endsWith(".tmp"));
    }

    /** Size and SHA-256 of every regular file directly in {@code dir}, by name, except the manifest and hidden files. */
    public static Map<String, FileDigest> digests(Path dir) throws IOException {
        Map<String, FileDigest> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (Files.isRegularFile(f) && !name.equals(Manifest.FILE) && !name.startsWith(".")) {
                    out.put(name, FileDigest.of(f));
                }
            }
        }
        return out;
    }

    /**
     * Checks {@code dir} against {@code manifest}: every recorded file present with its size and SHA-256, and no
     * unrecorded file that loading would read. A manifest without {@code files} (written before digests were
     * recorded) passes unchecked.
     *
     * @throws ModelIntegrityException naming the first file that differs and how
     */
    public static void verify(Path dir, Manifest manifest) throws IOException {
        if (manifest.files() == null) {
            return;
        }
        Path manifestFile = dir.resolve(Manifest.FILE);
        String skip = "; restore the folder, or load it unchecked with --no-verify (-D" + VERIFY_PROPERTY + "=false)";
        for (Map.Entry<String, FileDigest> e : manifest.files().entrySet()) {
            Path file = dir.resolve(e.getKey());
            if (!Files.isRegularFile(file)) {
                throw new ModelIntegrityException(file + " is missing; " + manifestFile + " records it" + skip);
            }
            FileDigest recorded = e.getValue();
            long size = Files.size(file);
            if (size != recorded.sizeBytes()) {
                throw new ModelIntegrityException(file + " has " + size + " bytes but " + manifestFile + " records "
                        + recorded.sizeBytes() + ": it changed after the model was saved" + skip);
            }
            FileDigest found = FileDigest.of(file);
            if (!found.sha256().equals(recorded.sha256())) {
                throw new ModelIntegrityException(file + " has SHA-256 " + found.sha256() + " but " + manifestFile
                        + " records " + recorded.sha256() + ": it changed after the model was saved" + skip);
            }
        }
        for (String name : LOADED) {
            if (!manifest.files().containsKey(name) && Files.exists(dir.resolve(name))) {
                throw new ModelIntegrityException(dir.resolve(name) + " is not recorded in " + manifestFile
                        + ": it was added after the model was saved and would change how it loads; remove it" + skip);
            }
        }
    }

    /**
     * A model folder that is missing, explained: when an interrupted save set the previous model aside, the
     * exception says where it is.
     */
    static NoSuchFileException missing(Path dir) throws IOException {
        Path aside = AtomicFiles.interruptedReplacement(dir);
        return new NoSuchFileException(dir.toString(), null, aside == null ? "model folder not found"
                : "model folder not found; a save into it was interrupted, and the model that was there before is complete"
                + " in " + aside + ": rename it back");
    }
}
