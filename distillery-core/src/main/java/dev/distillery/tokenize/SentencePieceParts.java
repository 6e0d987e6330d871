package dev.distillery.tokenize;

import dev.distillery.tokenize.BpeTokenizer.Kind;
import dev.distillery.tokenize.BpeTokenizer.Parts;
import dev.distillery.tokenize.BpeTokenizer.SpecialIds;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The pipeline of a SentencePiece-style BPE vocabulary: a space prefix on each stretch of text
 * between special tokens (SentencePiece's {@code add_dummy_prefix}), spaces spelt as the
 * vocabulary spells them, merges by score, BOS and EOS as asked; decoding turns spaces back, byte
 * pieces into bytes and drops the prefix space, as Hugging Face's Llama decoder does.
 */
final class SentencePieceParts {
    private SentencePieceParts() {
    }

    /**
     * @param space the vocabulary's spelling of a space: "▁" for SentencePiece and GGUF, " " for llama2.c
     * @param matchSpecialTokens find control and user-defined tokens written in the text, as
     *     Hugging Face and llama.cpp do; llama2.c does not
     * @param gguf the vocabulary in GGUF form, kept for writing it out
     */
    static Parts build(List<String> pieces, float[] scores, int[] types, SpecialIds specials, boolean addBos, boolean addEos,
                       boolean addSpacePrefix, String space, boolean matchSpecialTokens, SentencePieceVocab gguf) {
        TokenTable table = new TokenTable(pieces.toArray(String[]::new));
        List<AddedTokens.Token> added = new ArrayList<>();
        for (int id = 0; id < types.length; id++) {
            int type = types[id];
            if (type == TokenType.CONTROL || type == TokenType.UNKNOWN || type == TokenType.USER_DEFINED) {
                added.add(new AddedTokens.Token(pieces.get(id), id, type != TokenType.USER_DEFINED, false, false, false,
                        false));
            }
        }
        List<TextNormalizer> normalize = new ArrayList<>();
        List<TokenDecoder> decode = new ArrayList<>();
        if (addSpacePrefix) {
            normalize.add(new TextNormalizer.Prepend(" "));
        }
        if (!space.equals(" ")) {
            normalize.add(new TextNormalizer.Replace(Pattern.compile(" "), space));
            decode.add(new TokenDecoder.Replace(Pattern.compile(Pattern.quote(space)), " "));
        }
        decode.add(new TokenDecoder.ByteFallback());
        decode.add(new TokenDecoder.Fuse());
        if (addSpacePrefix) {
            decode.add(new TokenDecoder.Strip(' ', 1, 0));
        }
        List<int[]> slots = new ArrayList<>();
        if (addBos) {
            slots.add(new int[] {specials.bos()});
        }
        slots.add(null);
        if (addEos) {
            slots.add(new int[] {specials.eos()});
        }
        Template template = new Template(slots, Collections.nCopies(slots.size(), 0));
        return new Parts(Kind.SCORED_BPE, table, added, matchSpecialTokens, new TextNormalizer.Sequence(normalize),
                new PreTokenizer.None(), new ScoredBpe(table, scores, specials.unk()), template,
                new TokenDecoder.Sequence(decode), Tokenizer.NO_TRUNCATION, false, 0, false, 0, specials, null, gguf,
                List.of());
    }

    /** The Parts of a GGUF "llama" vocabulary, special tokens matched in text as llama.cpp and Hugging Face do. */
    static Parts of(SentencePieceVocab v, String source) throws InvalidTokenizerException {
        int n = v.pieces().size();
        for (int id : new int[] {v.bosId(), v.eosId(), v.unkId(), v.padId()}) {
            if (id >= n) {
                throw new InvalidTokenizerException(source + ": a special token id is " + id + " but the vocabulary has only "
                        + n + " pieces");
            }
        }
        if ((v.addBos() && v.bosId() < 0) || (v.addEos() && v.eosId() < 0)) {
            throw new InvalidTokenizerException(source + ": the vocabulary asks to add "
                    + (v.addBos() && v.bosId() < 0 ? "BOS" : "EOS") + " but names no such token");
        }
        int[] types = v.types();
        for (int i = 0; i < types.length; i++) {
            if (types[i] == TokenType.BYTE && TokenDecoder.ByteFallback.byteOf(v.pieces().get(i)) < 0) {
                throw new InvalidTokenizerException(source + ": piece " + i + " '" + v.pieces().get(i)
                        + "' has the byte type but is not spelt <0xNN>");
            }
        }
        return build(v.pieces(), v.scores(), types, new SpecialIds(v.bosId(), v.eosId(), v.unkId(), v.padId()),
                v.addBos(), v.addEos(), v.addSpacePrefix(), "▁", true, v);
    }
}
