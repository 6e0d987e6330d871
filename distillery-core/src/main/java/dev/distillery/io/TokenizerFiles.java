package dev.distillery.io;

import dev.distillery.io.gguf.GgufFile;
import dev.distillery.io.gguf.GgufTokenizer;
import dev.distillery.io.llama2c.Llama2cCheckpoint;
import dev.distillery.tokenize.InvalidTokenizerException;
import dev.distillery.tokenize.Tokenizer;
import dev.distillery.tokenize.Tokenizers;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The tokenizer of any model Distillery reads, found from the path a user gives: a GGUF file (its
 * metadata), a llama2.c checkpoint (the tokenizer beside it), a tokenizer file, or a model folder
 * (a Hugging Face folder, a llama2.c folder with tok512.bin, or a folder holding one .gguf).
 */
public final class TokenizerFiles {
    private TokenizerFiles() {
    }

    public static Tokenizer load(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            if (Tokenizers.tokenizerFileIn(path) != null) {
                return Tokenizers.load(path);
            }
            List<Path> ggufs = new ArrayList<>();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(path, "*.gguf")) {
                files.forEach(ggufs::add);
            }
            if (ggufs.size() == 1) {
                return load(ggufs.getFirst());
            }
            throw new NoSuchFileException(path.toString(), null, ggufs.isEmpty()
                    ? "the folder has no tokenizer.json, vocab.txt, llama2.c tokenizer .bin or .gguf file"
                    : "the folder holds several .gguf files; name the one to use");
        }
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such model file or folder");
        }
        if (GgufFile.isGguf(path)) {
            try (GgufFile f = GgufFile.open(path)) {
                if (!GgufTokenizer.present(f)) {
                    throw new InvalidTokenizerException(path + " carries no tokenizer (no metadata '" + GgufTokenizer.MODEL
                            + "')");
                }
                return GgufTokenizer.read(f);
            }
        }
        if (path.getFileName().toString().endsWith(".bin") && Llama2cCheckpoint.isCheckpoint(path)) {
            Path dir = path.toAbsolutePath().getParent();
            if (Tokenizers.tokenizerFileIn(dir) == null) {
                throw new NoSuchFileException(dir.toString(), null, path.getFileName()
                        + " is a llama2.c checkpoint and its folder has no tokenizer.bin or tok*.bin beside it");
            }
            return Tokenizers.load(dir);
        }
        return Tokenizers.load(path);
    }
}
