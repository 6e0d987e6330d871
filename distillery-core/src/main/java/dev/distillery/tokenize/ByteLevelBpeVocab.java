package dev.distillery.tokenize;

import java.util.List;

/**
 * A byte-level BPE vocabulary as a GGUF file stores it ({@code tokenizer.ggml.model = "gpt2"}):
 * tokens in GPT-2's byte alphabet, merges by rank ("Ġ t" merges "Ġ" and "t"), {@link TokenType}s,
 * the pre-tokenizer by llama.cpp's name ({@code tokenizer.ggml.pre}) and the special ids.
 *
 * @param tokens the spelling of each id
 * @param types [tokens] {@link TokenType} of each id
 * @param merges in rank order, each two tokens joined by one space
 * @param preTokenizer one of {@link #PRE_TOKENIZERS}
 * @param bosId beginning of sequence, or -1
 * @param eosId end of sequence, or -1
 * @param padId padding, or -1
 */
public record ByteLevelBpeVocab(List<String> tokens, int[] types, List<String> merges, String preTokenizer, int bosId,
                                int eosId, int padId, boolean addBos, boolean addEos) {
    /**
     * The llama.cpp pre-tokenizer names understood, with what they mean: "gpt-2" GPT-2's pattern;
     * "smollm" (also "starcoder") each digit alone, then GPT-2's pattern; "llama-bpe" (also
     * "llama3") Llama 3's pattern with whole-word vocabulary hits; "qwen2" NFC, then Qwen2's pattern.
     */
    public static final List<String> PRE_TOKENIZERS = List.of("gpt-2", "smollm", "starcoder", "llama-bpe", "llama3",
            "qwen2");

    public ByteLevelBpeVocab {
        tokens = List.copyOf(tokens);
        merges = List.copyOf(merges);
        if (types.length != tokens.size()) {
            throw new IllegalArgumentException(tokens.size() + " tokens but " + types.length + " token types");
        }
        types = types.clone();
    }

    @Override
    public int[] types() {
        return types.clone();
    }
}
