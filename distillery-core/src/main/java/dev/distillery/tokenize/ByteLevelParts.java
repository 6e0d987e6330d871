package dev.distillery.tokenize;

import dev.distillery.tokenize.BpeTokenizer.Kind;
import dev.distillery.tokenize.BpeTokenizer.Parts;
import dev.distillery.tokenize.BpeTokenizer.SpecialIds;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Between a GGUF "gpt2" vocabulary ({@link ByteLevelBpeVocab}) and the ranked-BPE pipeline it stands for. */
final class ByteLevelParts {
    private ByteLevelParts() {
    }

    static Parts of(ByteLevelBpeVocab v, String source) throws InvalidTokenizerException {
        GgufPreTokenizers.Pipeline pipeline = GgufPreTokenizers.of(v.preTokenizer());
        if (pipeline == null) {
            throw new InvalidTokenizerException(source + ": tokenizer.ggml.pre is '" + v.preTokenizer()
                    + "', which Distillery does not know; supported: " + String.join(", ", ByteLevelBpeVocab.PRE_TOKENIZERS));
        }
        List<String> tokens = v.tokens();
        int n = tokens.size();
        for (int id : new int[] {v.bosId(), v.eosId(), v.padId()}) {
            if (id >= n) {
                throw new InvalidTokenizerException(source + ": a special token id is " + id + " but the vocabulary has only "
                        + n + " tokens");
            }
        }
        if ((v.addBos() && v.bosId() < 0) || (v.addEos() && v.eosId() < 0)) {
            throw new InvalidTokenizerException(source + ": the vocabulary asks to add "
                    + (v.addBos() && v.bosId() < 0 ? "BOS" : "EOS") + " but names no such token");
        }
        TokenTable table = new TokenTable(tokens.toArray(String[]::new));
        MergeTable merges = new MergeTable(v.merges().size());
        for (int rank = 0; rank < v.merges().size(); rank++) {
            String m = v.merges().get(rank);
            // llama.cpp splits at the first space after the first character, so a merge may start with a space.
            int space = m.indexOf(' ', 1);
            int left = space < 0 ? -1 : table.id(m.substring(0, space));
            int right = space < 0 ? -1 : table.id(m.substring(space + 1));
            int merged = space < 0 ? -1 : table.id(m.substring(0, space) + m.substring(space + 1));
            if (left < 0 || right < 0 || merged < 0) {
                throw new InvalidTokenizerException(source + ": tokenizer.ggml.merges entry " + rank + " \"" + m
                        + "\" does not join two tokens of the vocabulary into a third");
            }
            merges.put(left, right, rank, merged);
        }
        int[] types = v.types();
        List<AddedTokens.Token> added = new ArrayList<>();
        for (int id = 0; id < n; id++) {
            if (types[id] == TokenType.CONTROL || types[id] == TokenType.USER_DEFINED) {
                added.add(new AddedTokens.Token(tokens.get(id), id, types[id] == TokenType.CONTROL, false, false, false,
                        false));
            }
        }
        List<int[]> slots = new ArrayList<>();
        if (v.addBos()) {
            slots.add(new int[] {v.bosId()});
        }
        slots.add(null);
        if (v.addEos()) {
            slots.add(new int[] {v.eosId()});
        }
        return new Parts(Kind.RANKED_BPE, table, added, true, pipeline.normalizer(), pipeline.preTokenizer(),
                new RankedBpe(table, merges, -1, false, false, null, null, pipeline.ignoreMerges()),
                new Template(slots, Collections.nCopies(slots.size(), 0)), new TokenDecoder.ByteLevelBytes(),
                Tokenizer.NO_TRUNCATION, false, 0, false, 0, new SpecialIds(v.bosId(), v.eosId(), -1, v.padId()),
                v.preTokenizer(), null, v.merges());
    }

    static ByteLevelBpeVocab toVocab(BpeTokenizer t) throws InvalidTokenizerException {
        Parts p = t.parts();
        if (p.kind() != Kind.RANKED_BPE || p.ggufPre() == null) {
            throw new InvalidTokenizerException(t + " cannot be written as a GGUF \"gpt2\" vocabulary: its normalizer, "
                    + "pre-tokenizer and model match none of " + ByteLevelBpeVocab.PRE_TOKENIZERS);
        }
        int[] prefix = p.template().prefix();
        int[] suffix = p.template().suffix();
        if (prefix.length > 1 || suffix.length > 1) {
            throw new InvalidTokenizerException(t + " adds " + prefix.length + " tokens before and " + suffix.length
                    + " after each text; GGUF can say only add_bos_token and add_eos_token");
        }
        int n = p.table().size();
        List<String> tokens = new ArrayList<>(n);
        int[] types = new int[n];
        java.util.Map<Integer, AddedTokens.Token> addedById = new java.util.HashMap<>();
        for (AddedTokens.Token a : p.added()) {
            addedById.put(a.id(), a);
        }
        for (int id = 0; id < n; id++) {
            String token = p.table().token(id);
            AddedTokens.Token added = addedById.get(id);
            // Holes in the ids are filled as llama.cpp's converter fills them.
            tokens.add(token == null ? "[PAD" + id + "]" : token);
            types[id] = token == null ? TokenType.UNUSED : added == null ? TokenType.NORMAL
                    : added.special() ? TokenType.CONTROL : TokenType.USER_DEFINED;
        }
        SpecialIds s = p.specials();
        int bos = prefix.length == 1 ? prefix[0] : s.bos();
        int eos = suffix.length == 1 ? suffix[0] : s.eos();
        return new ByteLevelBpeVocab(tokens, types, p.merges(), p.ggufPre(), bos, eos, s.pad(), prefix.length == 1,
                suffix.length == 1);
    }
}
