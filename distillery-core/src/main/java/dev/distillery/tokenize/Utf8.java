package dev.distillery.tokenize;

/**
 * UTF-8 the way Rust's {@code String::from_utf8_lossy} and {@code String::from_utf16_lossy} treat
 * malformed input, which is how Hugging Face tokenizers sees and produces text: each maximal
 * subpart of an ill-formed sequence becomes one U+FFFD (the Unicode Standard's recommended
 * practice, chapter 3, "U+FFFD Substitution of Maximal Subparts"). Java's own decoder differs on
 * encoded surrogates (ED A0 80 is one U+FFFD in Java, three here).
 */
final class Utf8 {
    private Utf8() {
    }

    static String decodeLossy(byte[] b, int length) {
        StringBuilder out = new StringBuilder(length);
        int i = 0;
        while (i < length) {
            int lead = b[i] & 0xFF;
            if (lead < 0x80) {
                out.append((char) lead);
                i++;
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            if (lead >= 0xC2 && lead <= 0xDF) {
                need = 1;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                need = 2;
                lo = lead == 0xE0 ? 0xA0 : 0x80;
                hi = lead == 0xED ? 0x9F : 0xBF;
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                need = 3;
                lo = lead == 0xF0 ? 0x90 : 0x80;
                hi = lead == 0xF4 ? 0x8F : 0xBF;
            } else {
                out.append('\uFFFD');
                i++;
                continue;
            }
            int cp = lead & (0x3F >> need);
            int k = 1;
            for (; k <= need; k++) {
                if (i + k >= length) {
                    break;
                }
                int c = b[i + k] & 0xFF;
                if (c < lo || c > hi) {
                    break;
                }
                cp = cp << 6 | (c & 0x3F);
                lo = 0x80;
                hi = 0xBF;
            }
            if (k <= need) {
                out.append('\uFFFD'); // the maximal subpart b[i, i + k) is replaced; decoding resumes at b[i + k]
                i += k;
            } else {
                out.appendCodePoint(cp);
                i += need + 1;
            }
        }
        return out.toString();
    }

    /** {@code text} with each unpaired surrogate replaced by U+FFFD, as text handed to Rust arrives. */
    static String wellFormed(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isSurrogate(c)) {
                return replaceLoneSurrogates(text);
            }
        }
        return text;
    }

    private static String replaceLoneSurrogates(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else {
                out.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return out.toString();
    }
}
