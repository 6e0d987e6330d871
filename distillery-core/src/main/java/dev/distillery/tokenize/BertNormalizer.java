package dev.distillery.tokenize;

import java.text.Normalizer;

/**
 * Hugging Face's {@code BertNormalizer}: clean text, space out CJK ideographs, strip accents, lower-case, in that order.
 * Every step walks code points, never chars, so a surrogate pair is one character as in Rust's {@code chars()}.
 * Categories come from Unicode 8.0 tables ({@link Unicode8Tables}) rather than Java's newer ones, because Hugging
 * Face classifies characters with the Rust crate unicode_categories, which carries Unicode 8.0 data: a character
 * assigned later is an ordinary letter there (and so [UNK]), never a control or punctuation.
 *
 * @param cleanText drop U+0000, U+FFFD and characters of category Cc, Cf or Co (except tab, LF, CR, which are white
 *     space); map white space to ' '
 * @param handleChineseChars put a space either side of each CJK ideograph so each becomes its own word
 * @param stripAccents NFD, then drop non-spacing marks (Mn, as of Unicode 8.0 like Hugging Face's tables)
 * @param lowercase per-code-point lower-casing, without the context rules (final sigma) of {@link String#toLowerCase}
 */
public record BertNormalizer(boolean cleanText, boolean handleChineseChars, boolean stripAccents, boolean lowercase) {

    /** Hugging Face's rule for a null {@code strip_accents}: accents go exactly when the text is lower-cased. */
    public static BertNormalizer of(boolean cleanText, boolean handleChineseChars, Boolean stripAccents, boolean lowercase) {
        return new BertNormalizer(cleanText, handleChineseChars, stripAccents == null ? lowercase : stripAccents, lowercase);
    }

    public String normalize(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cleanText) {
                if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                    continue;
                }
                if (isWhitespace(cp)) {
                    cp = ' ';
                }
            }
            if (handleChineseChars && isChineseChar(cp)) {
                out.append(' ').appendCodePoint(cp).append(' ');
            } else {
                out.appendCodePoint(cp);
            }
        }
        String s = out.toString();
        if (stripAccents) {
            s = stripNonSpacingMarks(Normalizer.normalize(s, Normalizer.Form.NFD));
        }
        if (lowercase) {
            s = lowerCaseEachCodePoint(s);
        }
        return s;
    }

    private static String stripNonSpacingMarks(String nfd) {
        StringBuilder out = new StringBuilder(nfd.length());
        for (int i = 0; i < nfd.length(); ) {
            int cp = nfd.codePointAt(i);
            i += Character.charCount(cp);
            if (!Unicode8Tables.contains(Unicode8Tables.NONSPACING_MARK, cp)) {
                out.appendCodePoint(cp);
            }
        }
        return out.toString();
    }

    // Rust's char::to_lowercase maps each code point alone; its one multi-character result is U+0130 (İ → i + U+0307),
    // which Java's single-code-point Character.toLowerCase turns into a bare 'i'.
    private static String lowerCaseEachCodePoint(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == 0x0130) {
                out.append('i').append('\u0307');
            } else {
                out.appendCodePoint(Character.toLowerCase(cp));
            }
        }
        return out.toString();
    }

    /** Rust's {@code char::is_whitespace} (the Unicode White_Space property), which BERT also uses to split words. */
    static boolean isWhitespace(int cp) {
        return switch (cp) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    /**
     * Categories Cc, Cf and Co, other than tab, LF and CR, which BERT treats as white space. Unassigned code points
     * are kept (and become [UNK]), and categories are Unicode 8.0's, as in the Rust crate Hugging Face uses.
     */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        return Unicode8Tables.contains(Unicode8Tables.OTHER, cp);
    }

    /** The CJK ideograph blocks BERT spaces out; Hangul, Hiragana and Katakana are written with spaces and stay as they are. */
    static boolean isChineseChar(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF)
                || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
