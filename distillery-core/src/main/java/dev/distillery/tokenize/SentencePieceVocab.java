package dev.distillery.tokenize;

import java.util.List;

/**
 * A SentencePiece-style BPE vocabulary as a GGUF file stores it ({@code tokenizer.ggml.model =
 * "llama"}): pieces with '▁' for a space, their merge scores and {@link TokenType}s, the special
 * ids and whether encoding adds BOS, EOS and a leading space.
 *
 * @param pieces the spelling of each id
 * @param scores [pieces] the piece scores BPE merges by, highest first
 * @param types [pieces] {@link TokenType} of each id
 * @param bosId beginning of sequence, or -1
 * @param eosId end of sequence, or -1
 * @param unkId unknown piece, or -1
 * @param padId padding, or -1
 */
public record SentencePieceVocab(List<String> pieces, float[] scores, int[] types, int bosId, int eosId, int unkId,
                                 int padId, boolean addBos, boolean addEos, boolean addSpacePrefix) {
    public SentencePieceVocab {
        pieces = List.copyOf(pieces);
        if (scores.length != pieces.size() || types.length != pieces.size()) {
            throw new IllegalArgumentException(pieces.size() + " pieces but " + scores.length + " scores and "
                    + types.length + " token types");
        }
        scores = scores.clone();
        types = types.clone();
    }

    /**
     * A vocabulary's token types when its file gives none: unknown for {@code unkId}, control for
     * {@code bosId} and {@code eosId}, byte for pieces spelt {@code <0xNN>}, normal for the rest.
     */
    public static int[] inferTypes(List<String> pieces, int bosId, int eosId, int unkId) {
        int[] types = new int[pieces.size()];
        java.util.Arrays.fill(types, TokenType.NORMAL);
        for (int i = 0; i < types.length; i++) {
            if (TokenDecoder.ByteFallback.byteOf(pieces.get(i)) >= 0) {
                types[i] = TokenType.BYTE;
            }
        }
        if (unkId >= 0) {
            types[unkId] = TokenType.UNKNOWN;
        }
        for (int id : new int[] {bosId, eosId}) {
            if (id >= 0) {
                types[id] = TokenType.CONTROL;
            }
        }
        return types;
    }

    @Override
    public float[] scores() {
        return scores.clone();
    }

    @Override
    public int[] types() {
        return types.clone();
    }
}
