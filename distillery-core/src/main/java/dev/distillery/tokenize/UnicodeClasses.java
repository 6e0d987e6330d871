package dev.distillery.tokenize;

/**
 * The Rust {@code char} predicates Hugging Face's pipeline components call, written out so that Java's
 * differently defined {@link Character#isWhitespace} or {@link Character#isDigit} cannot slip in.
 * They use Java's Unicode tables (16.0 in JDK 25); Hugging Face's Rust build uses its compiler's
 * (15.x), so only characters assigned in between can be classed differently.
 */
final class UnicodeClasses {
    private UnicodeClasses() {
    }

    /** Rust's {@code char::is_whitespace}: the Unicode White_Space property. */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    /** Rust's {@code char::is_numeric}: general category Nd, Nl or No. */
    static boolean isNumeric(int cp) {
        int type = Character.getType(cp);
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                || type == Character.OTHER_NUMBER;
    }

    /** Hugging Face's Punctuation pre-tokenizer: ASCII punctuation or a P* category. */
    static boolean isPunctuation(int cp) {
        return BertPreTokenizer.isPunctuation(cp);
    }
}
