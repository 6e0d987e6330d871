package dev.distillery.tokenize;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face's {@code NormalizedString::split}: find the matches of a pattern in a piece, then
 * cut the piece around them as the {@link Behavior} says. Empty pieces are dropped, as
 * {@code PreTokenizedString::split} drops them.
 */
final class Splitting {
    private Splitting() {
    }

    /** {@code SplitDelimiterBehavior}: what becomes of each match. */
    enum Behavior {
        /** Matches are dropped. */
        REMOVED,
        /** Each match is a piece of its own. */
        ISOLATED,
        /** A match joins the piece before it. */
        MERGED_WITH_PREVIOUS,
        /** A match joins the piece after it. */
        MERGED_WITH_NEXT,
        /** Consecutive matches form one piece. */
        CONTIGUOUS;

        static Behavior fromJson(String name) {
            return switch (name) {
                case "Removed" -> REMOVED;
                case "Isolated" -> ISOLATED;
                case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
                case "MergedWithNext" -> MERGED_WITH_NEXT;
                case "Contiguous" -> CONTIGUOUS;
                default -> null;
            };
        }
    }

    /** Finds matches in a string; spans are appended to {@code out} as start, end pairs in char indices. */
    interface Matches {
        void find(String s, IntList out);

        /** Every match of {@code pattern}, as Oniguruma's {@code find_iter} gives them. */
        static Matches of(Pattern pattern) {
            return (s, out) -> {
                Matcher m = pattern.matcher(s);
                while (m.find()) {
                    out.add(m.start());
                    out.add(m.end());
                }
            };
        }

        /** Each code point for which {@code predicate} holds, one match per code point. */
        static Matches eachCodePoint(IntPredicate predicate) {
            return (s, out) -> {
                for (int i = 0; i < s.length(); ) {
                    int cp = s.codePointAt(i);
                    int next = i + Character.charCount(cp);
                    if (predicate.test(cp)) {
                        out.add(i);
                        out.add(next);
                    }
                    i = next;
                }
            };
        }
    }

    /** Appends to {@code out} the pieces of {@code piece} cut around the matches of {@code matches}. */
    static void split(TextPiece piece, Matches matches, Behavior behavior, boolean invert, List<TextPiece> out) {
        String s = piece.text();
        // The whole string as alternating spans, each flagged match or not (Pattern::find_matches).
        IntList found = new IntList();
        matches.find(s, found);
        IntList starts = new IntList();
        IntList ends = new IntList();
        List<Boolean> isMatch = new ArrayList<>();
        int prev = 0;
        for (int k = 0; k < found.size(); k += 2) {
            int start = found.get(k);
            int end = found.get(k + 1);
            if (prev != start) {
                starts.add(prev);
                ends.add(start);
                isMatch.add(invert);
            }
            starts.add(start);
            ends.add(end);
            isMatch.add(!invert);
            prev = end;
        }
        if (prev != s.length()) {
            starts.add(prev);
            ends.add(s.length());
            isMatch.add(invert);
        }
        int n = starts.size();
        IntList keepStart = new IntList();
        IntList keepEnd = new IntList();
        switch (behavior) {
            case REMOVED -> {
                for (int k = 0; k < n; k++) {
                    if (!isMatch.get(k)) {
                        keepStart.add(starts.get(k));
                        keepEnd.add(ends.get(k));
                    }
                }
            }
            case ISOLATED -> {
                for (int k = 0; k < n; k++) {
                    keepStart.add(starts.get(k));
                    keepEnd.add(ends.get(k));
                }
            }
            case CONTIGUOUS, MERGED_WITH_PREVIOUS -> {
                boolean previousMatch = false;
                for (int k = 0; k < n; k++) {
                    boolean m = isMatch.get(k);
                    boolean join = behavior == Behavior.CONTIGUOUS ? m == previousMatch : m && !previousMatch;
                    if (join && keepEnd.size() > 0) {
                        keepEnd.set(keepEnd.size() - 1, ends.get(k));
                    } else {
                        keepStart.add(starts.get(k));
                        keepEnd.add(ends.get(k));
                    }
                    previousMatch = m;
                }
            }
            case MERGED_WITH_NEXT -> {
                // Walk backwards, as Hugging Face folds the reversed spans, then restore the order.
                IntList revStart = new IntList();
                IntList revEnd = new IntList();
                boolean previousMatch = false;
                for (int k = n - 1; k >= 0; k--) {
                    boolean m = isMatch.get(k);
                    if (m && !previousMatch && revStart.size() > 0) {
                        revStart.set(revStart.size() - 1, starts.get(k));
                    } else {
                        revStart.add(starts.get(k));
                        revEnd.add(ends.get(k));
                    }
                    previousMatch = m;
                }
                for (int k = revStart.size() - 1; k >= 0; k--) {
                    keepStart.add(revStart.get(k));
                    keepEnd.add(revEnd.get(k));
                }
            }
        }
        for (int k = 0; k < keepStart.size(); k++) {
            int start = keepStart.get(k);
            int end = keepEnd.get(k);
            if (end > start) {
                out.add(new TextPiece(s.substring(start, end), piece.atOrigin() && start == 0));
            }
        }
    }
}
