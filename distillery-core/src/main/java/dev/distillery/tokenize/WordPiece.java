package dev.distillery.tokenize;

/**
 * Greedy longest-match-first sub-word splitting (Wu et al. 2016, "Google's Neural Machine Translation System", as in
 * BERT's {@code WordpieceTokenizer}): take the longest vocabulary entry that prefixes the rest of the word, the
 * continuing ones spelled with {@code continuingPrefix}. A word with an unmatched remainder, or longer than
 * {@code maxInputCharsPerWord} code points, becomes the single unknown token.
 */
public final class WordPiece {
    private final Vocab vocab;
    private final int unkId;
    private final String continuingPrefix;
    private final int maxInputCharsPerWord;
    // No entry is longer than this many code points, so longer candidates need no lookup; it turns the reference's
    // quadratic scan of a 100-character URL run into a linear one without changing any result.
    private final int longestEntry;

    /**
     * @param unkId id of the unknown token, which must be in {@code vocab}
     * @param continuingPrefix prefix marking a piece that continues a word, "##" for BERT
     * @param maxInputCharsPerWord longest word tried, in code points as Rust's {@code chars().count()} counts
     */
    public WordPiece(Vocab vocab, int unkId, String continuingPrefix, int maxInputCharsPerWord) {
        if (unkId < 0 || unkId >= vocab.size()) {
            throw new IllegalArgumentException("unknown-token id " + unkId + " is outside the vocabulary of " + vocab.size());
        }
        this.vocab = vocab;
        this.unkId = unkId;
        this.continuingPrefix = continuingPrefix;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
        int longest = 0;
        for (String token : vocab.tokens()) {
            longest = Math.max(longest, token.codePointCount(0, token.length()));
        }
        this.longestEntry = longest;
    }

    public int unkId() {
        return unkId;
    }

    /** Appends the ids of {@code word}'s pieces to {@code out}. */
    void tokenize(String word, IntList out) {
        int chars = word.codePointCount(0, word.length());
        if (chars > maxInputCharsPerWord) {
            out.add(unkId);
            return;
        }
        int[] bounds = new int[chars + 1]; // char index where code point k starts; bounds[chars] = length
        for (int k = 0, i = 0; k < chars; k++) {
            bounds[k] = i;
            i += Character.charCount(word.codePointAt(i));
        }
        bounds[chars] = word.length();

        int mark = out.size();
        int start = 0;
        while (start < chars) {
            int end = Math.min(chars, start + longestEntry);
            int found = -1;
            while (start < end) {
                String piece = word.substring(bounds[start], bounds[end]);
                found = vocab.id(start > 0 ? continuingPrefix + piece : piece);
                if (found >= 0) {
                    break;
                }
                end--;
            }
            if (found < 0) {
                out.truncate(mark);
                out.add(unkId);
                return;
            }
            out.add(found);
            start = end;
        }
    }
}
