package dev.distillery.tokenize;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face's {@code AddedVocabulary} matching: tokens written literally in the text (special
 * tokens such as "<|im_start|>", and user-added ones) are cut out before the model sees the text.
 * Tokens with {@code normalized: false} are found in the raw text, the others in the normalized
 * text, each by leftmost-longest matching (the Aho-Corasick mode Hugging Face uses), with its
 * {@code single_word}, {@code lstrip} and {@code rstrip} rules.
 */
final class AddedTokens {
    /**
     * One added token.
     *
     * @param special skipped by {@code decode(ids, true)}
     * @param normalized matched against the normalized text rather than the raw one
     * @param singleWord matched only where no word character touches either end
     * @param lstrip the match takes the white space on its left
     * @param rstrip the match takes the white space on its right
     */
    record Token(String content, int id, boolean special, boolean normalized, boolean singleWord, boolean lstrip,
                 boolean rstrip) {
    }

    /** A stretch of text, or a matched token when {@code id >= 0}. */
    record Segment(String text, int id, boolean atOrigin) {
    }

    private static final Pattern ENDS_WITH_WORD = Pattern.compile("\\w$", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern STARTS_WITH_WORD = Pattern.compile("^\\w", Pattern.UNICODE_CHARACTER_CLASS);

    private final List<Token> all;
    private final Map<Integer, Token> byId = new HashMap<>();
    private final Matcher raw;
    private final Matcher normalized;

    /**
     * @param normalizer turns each normalized token's content into the spelling matched
     * @param matchInText false for llama2.c's tokenizer, which knows its special ids but never finds them in text
     */
    AddedTokens(List<Token> tokens, TextNormalizer normalizer, boolean matchInText) {
        this.all = List.copyOf(tokens);
        List<Token> rawTokens = new ArrayList<>();
        List<String> rawPatterns = new ArrayList<>();
        List<Token> normalizedTokens = new ArrayList<>();
        List<String> normalizedPatterns = new ArrayList<>();
        for (Token t : tokens) {
            byId.put(t.id(), t);
            if (t.content().isEmpty() || !matchInText) {
                continue;
            }
            if (t.normalized()) {
                normalizedTokens.add(t);
                normalizedPatterns.add(normalizer.normalize(t.content()));
            } else {
                rawTokens.add(t);
                rawPatterns.add(t.content());
            }
        }
        this.raw = new Matcher(rawTokens, rawPatterns);
        this.normalized = new Matcher(normalizedTokens, normalizedPatterns);
    }

    List<Token> tokens() {
        return all;
    }

    boolean isSpecial(int id) {
        Token t = byId.get(id);
        return t != null && t.special();
    }

    /** Cuts {@code text} at the raw-text tokens. */
    List<Segment> splitRaw(String text, boolean atOrigin) {
        return raw.split(text, atOrigin);
    }

    /** Cuts already normalized text at the normalized tokens. */
    List<Segment> splitNormalized(String text, boolean atOrigin) {
        return normalized.split(text, atOrigin);
    }

    /** Leftmost-longest matching of a fixed set of strings, indexed by first char. */
    private static final class Matcher {
        private final Map<Character, List<Integer>> byFirstChar = new HashMap<>(); // longest first
        private final Token[] tokens;
        private final String[] patterns;

        Matcher(List<Token> tokens, List<String> patterns) {
            this.tokens = tokens.toArray(Token[]::new);
            this.patterns = patterns.toArray(String[]::new);
            for (int k = 0; k < this.patterns.length; k++) {
                if (!this.patterns[k].isEmpty()) {
                    byFirstChar.computeIfAbsent(this.patterns[k].charAt(0), c -> new ArrayList<>()).add(k);
                }
            }
            for (List<Integer> candidates : byFirstChar.values()) {
                candidates.sort(Comparator.comparingInt((Integer k) -> -this.patterns[k].length()));
            }
        }

        /** Hugging Face's {@code find_matches}: segments covering the whole of {@code s}, none of them empty. */
        List<Segment> split(String s, boolean atOrigin) {
            List<Segment> out = new ArrayList<>();
            if (byFirstChar.isEmpty()) {
                if (!s.isEmpty()) {
                    out.add(new Segment(s, -1, atOrigin));
                }
                return out;
            }
            int startOffset = 0;
            int i = 0;
            while (i < s.length()) {
                int k = longestAt(s, i);
                if (k < 0) {
                    i++;
                    continue;
                }
                Token t = tokens[k];
                int start = i;
                int stop = i + patterns[k].length();
                i = stop; // a discarded match still consumes its text, as the automaton's iterator does
                if (t.singleWord()) {
                    boolean startSpace = start == 0 || !ENDS_WITH_WORD.matcher(s.substring(0, start)).find();
                    boolean stopSpace = stop == s.length() || !STARTS_WITH_WORD.matcher(s.substring(stop)).find();
                    if (!startSpace || !stopSpace) {
                        continue;
                    }
                }
                if (t.lstrip()) {
                    int newStart = start;
                    while (newStart > 0 && UnicodeClasses.isWhiteSpace(s.codePointBefore(newStart))) {
                        newStart -= Character.charCount(s.codePointBefore(newStart));
                    }
                    start = Math.max(newStart, startOffset);
                }
                if (t.rstrip()) {
                    // The automaton goes on from the match's own end, as in Hugging Face.
                    while (stop < s.length() && UnicodeClasses.isWhiteSpace(s.codePointAt(stop))) {
                        stop += Character.charCount(s.codePointAt(stop));
                    }
                }
                if (startOffset < start) {
                    out.add(new Segment(s.substring(startOffset, start), -1, atOrigin && startOffset == 0));
                }
                out.add(new Segment(s.substring(start, stop), t.id(), atOrigin && start == 0));
                startOffset = stop;
            }
            if (startOffset < s.length()) {
                out.add(new Segment(s.substring(startOffset), -1, atOrigin && startOffset == 0));
            }
            return out;
        }

        private int longestAt(String s, int i) {
            List<Integer> candidates = byFirstChar.get(s.charAt(i));
            if (candidates == null) {
                return -1;
            }
            for (int k : candidates) {
                if (s.startsWith(patterns[k], i)) {
                    return k;
                }
            }
            return -1;
        }
    }

    @Override
    public String toString() {
        return "AddedTokens" + Arrays.toString(all.stream().map(Token::content).toArray());
    }
}
