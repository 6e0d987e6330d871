package dev.distillery.tokenize;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable bijection between tokens and the dense ids 0..size-1, in vocab.txt order (line n holds id n).
 * Trimming a vocabulary is {@link #retain}: the model's embedding rows are then gathered with the same id array.
 */
public final class Vocab {
    /** Refused before reading: the largest published vocab.txt files are a few MiB. */
    static final long MAX_FILE_BYTES = 64L << 20;

    private final String[] tokens; // [size], index is the id
    private final Map<String, Integer> ids;

    private Vocab(String[] tokens, Map<String, Integer> ids) {
        this.tokens = tokens;
        this.ids = ids;
    }

    /** A vocabulary whose token {@code i} gets id {@code i}; duplicates are rejected because ids would not round-trip. */
    public static Vocab of(List<String> tokens) {
        String[] array = tokens.toArray(String[]::new);
        Map<String, Integer> ids = HashMap.newHashMap(array.length);
        for (int i = 0; i < array.length; i++) {
            if (array[i] == null) {
                throw new IllegalArgumentException("vocabulary has no token for id " + i);
            }
            Integer previous = ids.putIfAbsent(array[i], i);
            if (previous != null) {
                throw new IllegalArgumentException("vocabulary token '" + array[i] + "' appears at ids " + previous + " and " + i);
            }
        }
        return new Vocab(array, ids);
    }

    /**
     * Reads a BERT vocab.txt: one token per line, id = line number. Only the line ending is stripped, as Hugging Face's
     * {@code load_vocab} does, since tokens may hold spaces. Duplicates are rejected where Hugging Face would silently
     * let the later line win and leave a hole in the ids.
     */
    public static Vocab read(Path vocabTxt) throws IOException {
        String text;
        try {
            text = Utf8Text.read(vocabTxt, MAX_FILE_BYTES);
        } catch (Utf8Text.MalformedException e) {
            throw new InvalidTokenizerException(vocabTxt + ": " + e.getMessage() + "; a vocab.txt is UTF-8 text, one token per line");
        } catch (Utf8Text.TooLargeException e) {
            throw new InvalidTokenizerException(e.getMessage());
        }
        // the line breaks of BufferedReader (\n, \r, \r\n), which Hugging Face's readlines() also splits on
        List<String> lines = text.lines().toList();
        if (!lines.isEmpty() && lines.getLast().isEmpty()) {
            lines = lines.subList(0, lines.size() - 1);
        }
        if (lines.isEmpty()) {
            throw new InvalidTokenizerException(vocabTxt + ": vocabulary file is empty; expected one token per line");
        }
        try {
            return of(lines);
        } catch (IllegalArgumentException e) {
            throw new InvalidTokenizerException(vocabTxt + ": " + e.getMessage());
        }
    }

    /** Writes vocab.txt so that {@link #read} gives this vocabulary back. */
    public void write(Path vocabTxt) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(vocabTxt, StandardCharsets.UTF_8)) {
            for (String token : tokens) {
                if (token.indexOf('\n') >= 0 || token.indexOf('\r') >= 0) {
                    throw new IllegalStateException("token " + Arrays.toString(token.codePoints().toArray())
                            + " holds a line break and cannot be written to vocab.txt");
                }
                out.write(token);
                out.write('\n');
            }
        }
    }

    /**
     * A smaller vocabulary holding {@code oldIds[i]} at new id {@code i}. The same array gathers embedding rows, so the
     * caller keeps specials and every piece it still needs.
     */
    public Vocab retain(int[] oldIds) {
        String[] kept = new String[oldIds.length];
        for (int i = 0; i < oldIds.length; i++) {
            kept[i] = token(oldIds[i]);
        }
        return of(Arrays.asList(kept));
    }

    /** The id of {@code token}, or -1 when it is not in the vocabulary. */
    public int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    public boolean contains(String token) {
        return ids.containsKey(token);
    }

    public String token(int id) {
        if (id < 0 || id >= tokens.length) {
            throw new IndexOutOfBoundsException("token id " + id + " is outside the vocabulary [0, " + tokens.length + ")");
        }
        return tokens[id];
    }

    public int size() {
        return tokens.length;
    }

    /** Tokens in id order; a copy. */
    public List<String> tokens() {
        return List.of(tokens);
    }
}
