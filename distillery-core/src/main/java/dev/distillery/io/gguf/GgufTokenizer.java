package dev.distillery.io.gguf;

import dev.distillery.io.CheckpointFormatException;
import dev.distillery.tokenize.BpeTokenizer;
import dev.distillery.tokenize.ByteLevelBpeVocab;
import dev.distillery.tokenize.InvalidTokenizerException;
import dev.distillery.tokenize.SentencePieceVocab;
import dev.distillery.tokenize.TokenType;
import dev.distillery.tokenize.Tokenizers;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokenizer a GGUF file carries in its metadata (the {@code tokenizer.ggml.*} keys of ggml's
 * docs/gguf.md, with the defaults llama.cpp's llama-vocab.cpp applies to absent ones), to and from
 * a {@link BpeTokenizer}: {@code tokenizer.ggml.model = "llama"} is SentencePiece-style BPE by piece
 * score ({@code tokens}, {@code scores}, {@code token_type}), {@code "gpt2"} is byte-level BPE by
 * merge rank ({@code tokens}, {@code token_type}, {@code merges}, and {@code pre} naming the
 * pre-tokenizer). Other models (bert, t5, rwkv) are refused by name.
 */
public final class GgufTokenizer {
    public static final String MODEL = "tokenizer.ggml.model";
    public static final String PRE = "tokenizer.ggml.pre";
    public static final String TOKENS = "tokenizer.ggml.tokens";
    public static final String SCORES = "tokenizer.ggml.scores";
    public static final String TOKEN_TYPE = "tokenizer.ggml.token_type";
    public static final String MERGES = "tokenizer.ggml.merges";
    public static final String BOS = "tokenizer.ggml.bos_token_id";
    public static final String EOS = "tokenizer.ggml.eos_token_id";
    public static final String UNK = "tokenizer.ggml.unknown_token_id";
    public static final String PAD = "tokenizer.ggml.padding_token_id";
    public static final String ADD_BOS = "tokenizer.ggml.add_bos_token";
    public static final String ADD_EOS = "tokenizer.ggml.add_eos_token";
    public static final String ADD_SPACE_PREFIX = "tokenizer.ggml.add_space_prefix";
    public static final String CHAT_TEMPLATE = "tokenizer.chat_template";

    private GgufTokenizer() {
    }

    /** Whether the file carries a tokenizer at all. */
    public static boolean present(GgufFile file) {
        return file.get(MODEL) != null;
    }

    /** The tokenizer of {@code file}; errors name the file and the key. */
    public static BpeTokenizer read(GgufFile file) throws CheckpointFormatException {
        String model = file.string(MODEL);
        String src = file.source();
        List<String> tokens = strings(file, TOKENS);
        int n = tokens.size();
        int[] types = file.get(TOKEN_TYPE) == null ? null : ints(file, TOKEN_TYPE, n);
        try {
            switch (model) {
                case "llama" -> {
                    float[] scores = file.get(SCORES) == null ? new float[n] : floats(file, SCORES, n);
                    int bos = id(file, BOS, 1, n);
                    int eos = id(file, EOS, 2, n);
                    int unk = id(file, UNK, 0, n);
                    int pad = id(file, PAD, -1, n);
                    if (types == null) {
                        types = SentencePieceVocab.inferTypes(tokens, bos, eos, unk);
                    }
                    return Tokenizers.of(new SentencePieceVocab(tokens, scores, types, bos, eos, unk, pad,
                            file.bool(ADD_BOS, true), file.bool(ADD_EOS, false), file.bool(ADD_SPACE_PREFIX, true)), src);
                }
                case "gpt2" -> {
                    if (file.get(PRE) == null) {
                        throw new CheckpointFormatException(src + " has no metadata '" + PRE + "', so its pre-tokenizer is"
                                + " unknown; supported: " + String.join(", ", ByteLevelBpeVocab.PRE_TOKENIZERS));
                    }
                    String pre = file.string(PRE);
                    if (types == null) {
                        types = new int[n];
                        Arrays.fill(types, TokenType.NORMAL);
                    }
                    boolean llama3 = pre.equals("llama-bpe") || pre.equals("llama3");
                    return Tokenizers.of(new ByteLevelBpeVocab(tokens, types, strings(file, MERGES), pre,
                            id(file, BOS, -1, n), id(file, EOS, -1, n), id(file, PAD, -1, n),
                            file.bool(ADD_BOS, llama3), file.bool(ADD_EOS, false)), src);
                }
                default -> throw new CheckpointFormatException(src + ": metadata '" + MODEL + "' is '" + model
                        + "'; supported: llama (SentencePiece BPE) and gpt2 (byte-level BPE)");
            }
        } catch (InvalidTokenizerException e) {
            throw new CheckpointFormatException(e.getMessage(), e);
        }
    }

    /** The metadata entries that store {@code tokenizer} in a GGUF file, in llama.cpp's key order. */
    public static Map<String, GgufValue> metadata(BpeTokenizer tokenizer) throws InvalidTokenizerException {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        if (tokenizer.kind() == BpeTokenizer.Kind.SCORED_BPE) {
            SentencePieceVocab v = Tokenizers.sentencePieceVocab(tokenizer);
            m.put(MODEL, GgufValue.string("llama"));
            m.put(PRE, GgufValue.string("default"));
            m.put(TOKENS, GgufValue.strings(v.pieces()));
            m.put(SCORES, GgufValue.float32s(v.scores()));
            m.put(TOKEN_TYPE, GgufValue.int32s(v.types()));
            putId(m, BOS, v.bosId());
            putId(m, EOS, v.eosId());
            putId(m, UNK, v.unkId());
            putId(m, PAD, v.padId());
            m.put(ADD_BOS, GgufValue.bool(v.addBos()));
            m.put(ADD_EOS, GgufValue.bool(v.addEos()));
            m.put(ADD_SPACE_PREFIX, GgufValue.bool(v.addSpacePrefix()));
        } else {
            ByteLevelBpeVocab v = Tokenizers.byteLevelVocab(tokenizer);
            m.put(MODEL, GgufValue.string("gpt2"));
            m.put(PRE, GgufValue.string(v.preTokenizer()));
            m.put(TOKENS, GgufValue.strings(v.tokens()));
            m.put(TOKEN_TYPE, GgufValue.int32s(v.types()));
            m.put(MERGES, GgufValue.strings(v.merges()));
            putId(m, BOS, v.bosId());
            putId(m, EOS, v.eosId());
            putId(m, PAD, v.padId());
            m.put(ADD_BOS, GgufValue.bool(v.addBos()));
            m.put(ADD_EOS, GgufValue.bool(v.addEos()));
        }
        return m;
    }

    private static void putId(Map<String, GgufValue> m, String key, int id) {
        if (id >= 0) {
            m.put(key, GgufValue.uint32(id));
        }
    }

    private static List<String> strings(GgufFile f, String key) throws CheckpointFormatException {
        GgufValue v = f.get(key);
        if (v == null) {
            throw new CheckpointFormatException(f.source() + " has no metadata '" + key + "'");
        }
        if (v.elementType() != GgufType.STRING) {
            throw new CheckpointFormatException(f.source() + ": metadata '" + key + "' must be an array of strings, is "
                    + v);
        }
        return v.asStrings();
    }

    private static int[] ints(GgufFile f, String key, int n) throws CheckpointFormatException {
        GgufValue v = f.get(key);
        if (v.elementType() != GgufType.INT32 && v.elementType() != GgufType.UINT32) {
            throw new CheckpointFormatException(f.source() + ": metadata '" + key + "' must be an array of int32, is " + v);
        }
        int[] a = v.asInts();
        if (a.length != n) {
            throw new CheckpointFormatException(f.source() + ": metadata '" + key + "' has " + a.length + " entries for "
                    + n + " tokens");
        }
        return a;
    }

    private static float[] floats(GgufFile f, String key, int n) throws CheckpointFormatException {
        GgufValue v = f.get(key);
        if (v.elementType() != GgufType.FLOAT32) {
            throw new CheckpointFormatException(f.source() + ": metadata '" + key + "' must be an array of float32, is " + v);
        }
        float[] a = v.asFloats();
        if (a.length != n) {
            throw new CheckpointFormatException(f.source() + ": metadata '" + key + "' has " + a.length + " entries for "
                    + n + " tokens");
        }
        return a;
    }

    /** A token id entry; an id outside the vocabulary is an error (llama.cpp only warns and keeps its default). */
    private static int id(GgufFile f, String key, int absent, int n) throws CheckpointFormatException {
        if (f.get(key) == null) {
            return absent < n ? absent : -1;
        }
        long id = f.integer(key);
        if (id < 0 || id >= n) {
            throw new CheckpointFormatException(f.source() + ": metadata '" + key + "' is " + id + " but the vocabulary has "
                    + n + " tokens");
        }
        return (int) id;
    }
}
