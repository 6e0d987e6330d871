package dev.distillery.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distillery.tokenize.BpeTokenizer.Parts;
import dev.distillery.tokenize.BpeTokenizer.SpecialIds;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Picks and builds the right {@link Tokenizer} for a file: a Hugging Face tokenizer.json by its
 * {@code model.type} (WordPiece for the BERT encoders, BPE for decoder LLMs), a BERT vocab.txt, or
 * a llama2.c tokenizer.bin; and for GGUF vocabularies read by {@code io.gguf}, from their parts.
 * A file that cannot be read fails with an {@link InvalidTokenizerException} naming the file and
 * the field.
 *
 * <pre>{@code
 * Tokenizer smol = Tokenizers.load(Path.of("smollm2-135m-instruct"));   // tokenizer.json, BPE
 * Tokenizer tiny = Tokenizers.load(Path.of("stories260K"));              // tok512.bin
 * smol.encode("<|im_start|>user").ids();                                 // [1, 4093]
 * }</pre>
 */
public final class Tokenizers {
    public static final String TOKENIZER_JSON = "tokenizer.json";
    public static final String VOCAB_TXT = "vocab.txt";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";

    private Tokenizers() {
    }

    /**
     * The tokenizer of a model folder (its tokenizer.json, else vocab.txt, else a llama2.c
     * tokenizer.bin or a single tok*.bin) or of a tokenizer file itself (.json, .txt, .bin).
     * A folder's tokenizer_config.json contributes {@code do_lower_case} to vocab.txt and the
     * BOS, EOS and padding tokens to BPE tokenizers.
     */
    public static Tokenizer load(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            Path file = tokenizerFileIn(path);
            if (file == null) {
                throw new NoSuchFileException(path.toString(), null, "the folder has no tokenizer.json, vocab.txt or "
                        + "llama2.c tokenizer .bin");
            }
            return load(file);
        }
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such tokenizer file or model folder");
        }
        String name = path.getFileName().toString();
        Path config = path.resolveSibling(TOKENIZER_CONFIG);
        if (name.endsWith(".json")) {
            Tokenizer t = fromTokenizerJson(path);
            return t instanceof BpeTokenizer bpe && Files.isRegularFile(config)
                    ? withConfiguredSpecials(bpe, TokenizerConfig.read(config)) : t;
        }
        if (name.endsWith(".txt")) {
            return WordPieceTokenizer.fromVocabTxt(path, !Files.isRegularFile(config) || TokenizerConfig.read(config).lowerCase());
        }
        if (name.endsWith(".bin")) {
            return fromLlama2c(path);
        }
        throw new InvalidTokenizerException(path + ": not a tokenizer file Distillery reads (expected tokenizer.json, "
                + "vocab.txt or a llama2.c tokenizer .bin)");
    }

    /** The tokenizer file of a model folder, by the order {@link #load} tries them, or null. */
    public static Path tokenizerFileIn(Path dir) throws IOException {
        for (String name : List.of(TOKENIZER_JSON, VOCAB_TXT, "tokenizer.bin")) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return dir.resolve(name);
            }
        }
        List<Path> bins = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "tok*.bin")) {
            files.forEach(bins::add);
        }
        if (bins.size() > 1) {
            Collections.sort(bins);
            throw new InvalidTokenizerException(dir + " holds several llama2.c tokenizers " + bins
                    + "; name the one to use");
        }
        return bins.isEmpty() ? null : bins.getFirst();
    }

    /** A Hugging Face tokenizer.json, WordPiece or BPE by its {@code model.type}. */
    public static Tokenizer fromTokenizerJson(Path tokenizerJson) throws IOException {
        try (InputStream in = Files.newInputStream(tokenizerJson)) {
            return fromTokenizerJson(in, tokenizerJson.toString());
        }
    }

    /** As {@link #fromTokenizerJson(Path)}; {@code source} names the stream in error messages. */
    public static Tokenizer fromTokenizerJson(InputStream in, String source) throws IOException {
        JsonFields f = new JsonFields(source);
        JsonNode root = f.parse(in);
        JsonNode model = f.object(root, "model");
        f.requireType(model, "model", "WordPiece", "BPE");
        if (model.get("type").textValue().equals("WordPiece")) {
            return TokenizerJson.read(root, source);
        }
        return new BpeTokenizer(BpeTokenizerJson.read(root, source));
    }

    /** llama2.c's tokenizer.bin (or tok512.bin), tokenizing as llama2.c's {@code encode(text, 1, 0)}. */
    public static BpeTokenizer fromLlama2c(Path tokenizerBin) throws IOException {
        long size = Files.size(tokenizerBin);
        if (size > 1L << 30) {
            throw new InvalidTokenizerException(tokenizerBin + " is " + size + " bytes, too large for a llama2.c tokenizer");
        }
        return fromLlama2c(Files.readAllBytes(tokenizerBin), tokenizerBin.toString());
    }

    /** As {@link #fromLlama2c(Path)}, from the file's bytes; {@code source} names them in error messages. */
    public static BpeTokenizer fromLlama2c(byte[] file, String source) throws InvalidTokenizerException {
        return Llama2cTokenizer.read(file, source);
    }

    /** A GGUF "llama" vocabulary; special tokens written in the text are matched, as llama.cpp does. */
    public static BpeTokenizer of(SentencePieceVocab vocab, String source) throws InvalidTokenizerException {
        return new BpeTokenizer(SentencePieceParts.of(vocab, source));
    }

    /** A GGUF "gpt2" vocabulary, tokenized as the tokenizer.json it was converted from. */
    public static BpeTokenizer of(ByteLevelBpeVocab vocab, String source) throws InvalidTokenizerException {
        return new BpeTokenizer(ByteLevelParts.of(vocab, source));
    }

    /**
     * The GGUF form of a SentencePiece-style tokenizer (from tok512.bin or GGUF), for writing it.
     *
     * @throws InvalidTokenizerException when the tokenizer is not SentencePiece-style
     */
    public static SentencePieceVocab sentencePieceVocab(BpeTokenizer tokenizer) throws InvalidTokenizerException {
        SentencePieceVocab v = tokenizer.parts().sentencePiece();
        if (v == null) {
            throw new InvalidTokenizerException(tokenizer + " has no SentencePiece scores to write as a GGUF \"llama\" "
                    + "vocabulary; only llama2.c and GGUF SentencePiece tokenizers have them");
        }
        return v;
    }

    /**
     * The GGUF form of a byte-level BPE tokenizer, for writing it.
     *
     * @throws InvalidTokenizerException when its normalizer and pre-tokenizer are not one of
     *     {@link ByteLevelBpeVocab#PRE_TOKENIZERS}, or the model has settings GGUF cannot hold
     */
    public static ByteLevelBpeVocab byteLevelVocab(BpeTokenizer tokenizer) throws InvalidTokenizerException {
        return ByteLevelParts.toVocab(tokenizer);
    }

    private static BpeTokenizer withConfiguredSpecials(BpeTokenizer t, TokenizerConfig config) {
        SpecialIds s = t.specialIds();
        SpecialIds named = new SpecialIds(idOr(t, config.bosToken(), s.bos()), idOr(t, config.eosToken(), s.eos()),
                s.unk(), idOr(t, config.padToken(), s.pad()));
        Parts p = t.parts();
        return new BpeTokenizer(new Parts(p.kind(), p.table(), p.added(), p.matchAdded(), p.normalizer(),
                p.preTokenizer(), p.model(), p.template(), p.decoder(), p.truncationLength(), p.truncateLeft(),
                p.padTypeId(), p.padLeft(), p.padToMultipleOf(), named, p.ggufPre(), p.sentencePiece(), p.merges()));
    }

    private static int idOr(BpeTokenizer t, String token, int otherwise) {
        int id = token == null ? -1 : t.id(token);
        return id >= 0 ? id : otherwise;
    }
}
