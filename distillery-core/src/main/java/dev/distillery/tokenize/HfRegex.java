package dev.distillery.tokenize;

import java.util.regex.Pattern;

/**
 * Compiles the regular expressions of tokenizer files, written for Oniguruma (Hugging Face's
 * {@code SysRegex}) or for llama.cpp, into Java patterns with Oniguruma's Unicode meaning of
 * {@code \s}, {@code \w}, {@code \d} and case-insensitive groups ({@code (?i:'s|'t)} also matches
 * "'S"). The patterns tokenizer files use (classes, {@code \p{L}}, {@code \p{N}}, look-ahead,
 * bounded repeats) read the same in both dialects.
 */
final class HfRegex {
    private HfRegex() {
    }

    static Pattern compile(String regex) {
        return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
    }
}
