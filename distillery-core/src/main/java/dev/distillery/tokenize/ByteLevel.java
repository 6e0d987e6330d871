package dev.distillery.tokenize;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level alphabet (Radford et al. 2019, the {@code bytes_to_unicode} table of its
 * encoder.py, kept by Hugging Face's {@code ByteLevel} components): every byte maps to one printable
 * character, bytes that are printable Latin-1 ('!'..'~', '¡'..'¬', '®'..'ÿ') to themselves and the
 * other 68 to U+0100 upwards in byte order, so a space becomes 'Ġ' (U+0120) and a newline 'Ċ'.
 * BPE then runs over these characters, and any UTF-8 text, however odd, has a spelling.
 */
final class ByteLevel {
    /** GPT-2's pre-tokenizer pattern, which Hugging Face's {@code ByteLevel} applies when {@code use_regex}. */
    static final Pattern GPT2_PATTERN = HfRegex.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[0x144]; // -1 where a char is not in the alphabet

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + extra++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** The alphabet spelling of {@code text}'s UTF-8 bytes: one char per byte. */
    static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }

    static char charOf(int b) {
        return BYTE_TO_CHAR[b];
    }

    /**
     * Appends the bytes {@code token} spells: each char mapped back to its byte, or, if any char
     * is outside the alphabet (an added token such as "<|im_end|>" holding '|' is inside it, one
     * holding 'é' is not), the token's own UTF-8 bytes, as Hugging Face's decoder does.
     */
    static void appendBytes(String token, ByteArrayOutputStream out) {
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c >= CHAR_TO_BYTE.length || CHAR_TO_BYTE[c] < 0) {
                out.writeBytes(token.getBytes(StandardCharsets.UTF_8));
                return;
            }
        }
        for (int i = 0; i < token.length(); i++) {
            out.write(CHAR_TO_BYTE[token.charAt(i)]);
        }
    }
}
