package dev.distillery.tokenize;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A normalizer of Hugging Face's pipeline (https://huggingface.co/docs/tokenizers/api/normalizers),
 * applied to each stretch of text between added tokens. Each implementation follows the Rust
 * component of the same name.
 */
sealed interface TextNormalizer {
    String normalize(String text);

    /** {@code NFC}, {@code NFD}, {@code NFKC} or {@code NFKD}. */
    record Unicode(Normalizer.Form form) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return Normalizer.normalize(text, form);
        }
    }

    /** {@code Lowercase}: each code point on its own, so without the final-sigma rule of {@link String#toLowerCase}. */
    record Lowercase() implements TextNormalizer {
        @Override
        public String normalize(String text) {
            StringBuilder out = new StringBuilder(text.length());
            text.codePoints().forEach(cp -> out.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT)));
            return out.toString();
        }
    }

    /** {@code Prepend}: {@code prefix} in front of non-empty text. */
    record Prepend(String prefix) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return text.isEmpty() ? text : prefix + text;
        }
    }

    /** {@code Replace}: every match of a pattern (a regex, or a literal quoted into one) by {@code content}. */
    record Replace(Pattern pattern, String content) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return pattern.matcher(text).replaceAll(Matcher.quoteReplacement(content));
        }
    }

    /** {@code Strip}: white space (Unicode White_Space) off either end. */
    record Strip(boolean left, boolean right) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            int start = 0;
            int end = text.length();
            while (left && start < end && UnicodeClasses.isWhiteSpace(text.codePointAt(start))) {
                start += Character.charCount(text.codePointAt(start));
            }
            while (right && end > start && UnicodeClasses.isWhiteSpace(text.codePointBefore(end))) {
                end -= Character.charCount(text.codePointBefore(end));
            }
            return text.substring(start, end);
        }
    }

    /** The {@code ByteLevel} normalizer: the text respelt in GPT-2's byte alphabet. */
    record ByteLevelAlphabet() implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return ByteLevel.encode(text);
        }
    }

    /** {@code BertNormalizer}, as the WordPiece tokenizer applies it. */
    record Bert(BertNormalizer normalizer) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return normalizer.normalize(text);
        }
    }

    /** {@code Sequence}: each normalizer in turn. */
    record Sequence(List<TextNormalizer> steps) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            String out = text;
            for (TextNormalizer step : steps) {
                out = step.normalize(out);
            }
            return out;
        }
    }

    /** No normalizer. */
    record Identity() implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return text;
        }
    }
}
