package dev.distillery.tokenize;

import java.util.HashMap;
import java.util.Map;

/**
 * The spellings of a BPE tokenizer's ids, model vocabulary and added tokens together. Unlike
 * {@link Vocab} it tolerates what real files hold: ids with no token (a gap before the added
 * tokens) and, in GGUF vocabularies, one spelling at two ids, where the later id wins the lookup as
 * in llama.cpp.
 */
final class TokenTable {
    private final String[] byId; // [size], null where no token has the id
    private final Map<String, Integer> ids;

    TokenTable(String[] byId) {
        this.byId = byId.clone();
        this.ids = HashMap.newHashMap(byId.length);
        for (int i = 0; i < byId.length; i++) {
            if (byId[i] != null) {
                ids.put(byId[i], i);
            }
        }
    }

    /** The id of {@code token}, or -1. */
    int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    /** The spelling of {@code id}, or null for an id without a token. */
    String token(int id) {
        return id >= 0 && id < byId.length ? byId[id] : null;
    }

    int size() {
        return byId.length;
    }
}
