package dev.distillery.tokenize;

import dev.distillery.tokenize.PreTokenizer.ByteLevelSplit;
import dev.distillery.tokenize.Splitting.Behavior;
import java.text.Normalizer;
import java.util.List;

/**
 * The pre-tokenizers a GGUF byte-level vocabulary names in {@code tokenizer.ggml.pre}, each as the
 * Hugging Face pipeline of the tokenizer.json it was converted from (llama.cpp's
 * {@code convert_hf_to_gguf.py} chooses the name by hashing that tokenizer's output), so a GGUF
 * file and its tokenizer.json give the same ids.
 */
final class GgufPreTokenizers {
    /** Llama 3's Split pattern, as in its tokenizer.json. */
    static final String LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen2's Split pattern: Llama 3's with single digits. */
    static final String QWEN2_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** A normalizer, pre-tokenizer and BPE whole-word rule that together make one GGUF pre-tokenizer. */
    record Pipeline(TextNormalizer normalizer, PreTokenizer preTokenizer, boolean ignoreMerges) {
    }

    private GgufPreTokenizers() {
    }

    /** The pipeline of a {@code tokenizer.ggml.pre} name, or null for a name not supported. */
    static Pipeline of(String name) {
        TextNormalizer none = new TextNormalizer.Identity();
        return switch (name) {
            case "gpt-2" -> new Pipeline(none, new ByteLevelSplit(false, true), false);
            case "smollm", "starcoder" -> new Pipeline(none,
                    new PreTokenizer.Sequence(List.of(new PreTokenizer.Digits(true), new ByteLevelSplit(false, true))),
                    false);
            case "llama-bpe", "llama3" -> new Pipeline(none, split(LLAMA3_PATTERN), true);
            case "qwen2" -> new Pipeline(new TextNormalizer.Unicode(Normalizer.Form.NFC), split(QWEN2_PATTERN), false);
            default -> null;
        };
    }

    private static PreTokenizer split(String pattern) {
        return new PreTokenizer.Sequence(List.of(new PreTokenizer.Split(HfRegex.compile(pattern), Behavior.ISOLATED, false),
                new ByteLevelSplit(false, false)));
    }

    /**
     * The name of the pipeline a tokenizer.json describes, if it is one of these, so that it can be
     * written to GGUF; null otherwise. Components compare by their description (patterns by source).
     */
    static String nameOf(TextNormalizer normalizer, PreTokenizer pre, boolean ignoreMerges, TokenDecoder decoder,
                         boolean plainModel) {
        if (!plainModel || !(decoder instanceof TokenDecoder.ByteLevelBytes)) {
            return null;
        }
        for (String name : List.of("gpt-2", "smollm", "llama-bpe", "qwen2")) {
            Pipeline p = of(name);
            if (p.normalizer().toString().equals(normalizer.toString()) && p.preTokenizer().toString().equals(pre.toString())
                    && p.ignoreMerges() == ignoreMerges) {
                return name;
            }
        }
        return null;
    }
}
