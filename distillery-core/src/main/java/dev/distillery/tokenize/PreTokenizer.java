package dev.distillery.tokenize;

import dev.distillery.tokenize.Splitting.Behavior;
import dev.distillery.tokenize.Splitting.Matches;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A pre-tokenizer of Hugging Face's pipeline (https://huggingface.co/docs/tokenizers/api/pre-tokenizers):
 * it cuts the text between added tokens into pieces, and may rewrite them, before the model sees
 * each piece alone. Each implementation follows the Rust component of the same name.
 */
sealed interface PreTokenizer {
    List<TextPiece> apply(List<TextPiece> pieces);

    /**
     * {@code ByteLevel}: a space before each piece not starting with one (if {@code addPrefixSpace}),
     * GPT-2's pattern cut (if {@code useRegex}), then each piece respelt in the byte alphabet.
     */
    record ByteLevelSplit(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        @Override
        public List<TextPiece> apply(List<TextPiece> pieces) {
            List<TextPiece> cut = new ArrayList<>(pieces.size() * 4);
            for (TextPiece p : pieces) {
                TextPiece piece = addPrefixSpace && !p.text().startsWith(" ")
                        ? new TextPiece(" " + p.text(), p.atOrigin()) : p;
                if (useRegex) {
                    Splitting.split(piece, Matches.of(ByteLevel.GPT2_PATTERN), Behavior.ISOLATED, false, cut);
                } else if (!piece.text().isEmpty()) {
                    cut.add(piece);
                }
            }
            List<TextPiece> out = new ArrayList<>(cut.size());
            for (TextPiece p : cut) {
                out.add(new TextPiece(ByteLevel.encode(p.text()), p.atOrigin()));
            }
            return out;
        }
    }

    /** {@code Split}: cut at the matches of a pattern (a regex, or a literal string quoted into one). */
    record Split(Pattern pattern, Behavior behavior, boolean invert) implements PreTokenizer {
        @Override
        public List<TextPiece> apply(List<TextPiece> pieces) {
            List<TextPiece> out = new ArrayList<>(pieces.size() * 4);
            for (TextPiece p : pieces) {
                Splitting.split(p, Matches.of(pattern), behavior, invert, out);
            }
            return out;
        }
    }

    /** {@code Digits}: numeric characters apart, each alone or in runs. */
    record Digits(boolean individualDigits) implements PreTokenizer {
        @Override
        public List<TextPiece> apply(List<TextPiece> pieces) {
            List<TextPiece> out = new ArrayList<>(pieces.size() * 2);
            Behavior behavior = individualDigits ? Behavior.ISOLATED : Behavior.CONTIGUOUS;
            for (TextPiece p : pieces) {
                Splitting.split(p, Matches.eachCodePoint(UnicodeClasses::isNumeric), behavior, false, out);
            }
            return out;
        }
    }

    /** {@code Punctuation}: punctuation characters apart, by the given behaviour. */
    record Punctuation(Behavior behavior) implements PreTokenizer {
        @Override
        public List<TextPiece> apply(List<TextPiece> pieces) {
            List<TextPiece> out = new ArrayList<>(pieces.size() * 2);
            for (TextPiece p : pieces) {
                Splitting.split(p, Matches.eachCodePoint(UnicodeClasses::isPunctuation), behavior, false, out);
            }
            return out;
        }
    }

    /** {@code Whitespace}: runs of word characters and runs of other non-space characters; spaces dropped. */
    record Whitespace() implements PreTokenizer {
        private static final Pattern WORDS = HfRegex.compile("\\w+|[^\\w\\s]+");

        @Override
        public List<TextPiece> apply(List<TextPiece> pieces) {
            List<TextPiece> out = new ArrayList<>(pieces.size() * 4);
            for (TextPiece p : pieces) {
                Splitting.split(p, Matches.of(WORDS), Behavior.REMOVED, true, out);
            }
            return out;
        }
    }

    /** {@code WhitespaceSplit}: cut at white space, which is dropped. */
    record WhitespaceSplit() implements PreTokenizer {
        @Override
        public List<TextPiece> apply(List<TextPiece> pieces) {
            List<TextPiece> out = new ArrayList<>(pieces.size() * 4);
            for (TextPiece p : pieces) {
                Splitting.split(p, Matches.eachCodePoint(UnicodeClasses::isWhiteSpace), Behavior.REMOVED, false, out);
            }
            return out;
        }
    }

    /** When Metaspace puts its replacement character in front of a piece. */
    enum PrependScheme { ALWAYS, FIRST, NEVER }

    /**
     * {@code Metaspace} (SentencePiece's view of spaces): each ' ' becomes {@code replacement}
     * ('▁'), one is put in front as the scheme says, and with {@code split} each replacement
     * starts a new piece.
     */
    record Metaspace(char replacement, PrependScheme prependScheme, boolean split) implements PreTokenizer {
        @Override
        public List<TextPiece> apply(List<TextPiece> pieces) {
            List<TextPiece> out = new ArrayList<>(pieces.size() * 4);
            for (TextPiece p : pieces) {
                String s = p.text().replace(' ', replacement);
                boolean prepend = switch (prependScheme) {
                    case ALWAYS -> s.isEmpty() || s.charAt(0) != replacement;
                    case FIRST -> (s.isEmpty() || s.charAt(0) != replacement) && p.atOrigin();
                    case NEVER -> false;
                };
                TextPiece piece = new TextPiece(prepend ? replacement + s : s, p.atOrigin());
                if (split) {
                    Splitting.split(piece, Matches.eachCodePoint(cp -> cp == replacement), Behavior.MERGED_WITH_NEXT,
                            false, out);
                } else if (!piece.text().isEmpty()) {
                    out.add(piece);
                }
            }
            return out;
        }
    }

    /** {@code Sequence}: each pre-tokenizer in turn over the pieces of the one before. */
    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        @Override
        public List<TextPiece> apply(List<TextPiece> pieces) {
            List<TextPiece> out = pieces;
            for (PreTokenizer step : steps) {
                out = step.apply(out);
            }
            return out;
        }
    }

    /** No pre-tokenizer: the text between added tokens reaches the model whole. */
    record None() implements PreTokenizer {
        @Override
        public List<TextPiece> apply(List<TextPiece> pieces) {
            return pieces;
        }
    }
}
