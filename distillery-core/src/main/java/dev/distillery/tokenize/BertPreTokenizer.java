package dev.distillery.tokenize;

import java.util.ArrayList;
import java.util.List;

/**
 * Hugging Face's {@code BertPreTokenizer}: split normalized text into words at white space (dropped) and around each
 * punctuation character (kept as a word of its own).
 */
public final class BertPreTokenizer {
    private BertPreTokenizer() {
    }

    /** Words of {@code normalized}, in order; "a.b c" gives [a, ., b, c]. */
    public static List<String> split(String normalized) {
        List<String> words = new ArrayList<>();
        int start = -1; // char index where the current word began, or -1 between words
        for (int i = 0; i < normalized.length(); ) {
            int cp = normalized.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (BertNormalizer.isWhitespace(cp)) {
                if (start >= 0) {
                    words.add(normalized.substring(start, i));
                    start = -1;
                }
            } else if (isPunctuation(cp)) {
                if (start >= 0) {
                    words.add(normalized.substring(start, i));
                    start = -1;
                }
                words.add(normalized.substring(i, next));
            } else if (start < 0) {
                start = i;
            }
            i = next;
        }
        if (start >= 0) {
            words.add(normalized.substring(start));
        }
        return words;
    }

    /**
     * BERT punctuation: ASCII 33–47, 58–64, 91–96, 123–126 (so '$', '+', '^' count), or any P* category of
     * Unicode 8.0, the version of the tables Hugging Face's Rust crate carries (U+061D, added in Unicode 14, is not punctuation there).
     */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        return Unicode8Tables.contains(Unicode8Tables.PUNCTUATION, cp);
    }
}
