package dev.distillery.tokenize;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Collects the first few disagreements with a reference so one run shows the pattern, not just the first case. */
final class Mismatches {
    private final List<String> shown = new ArrayList<>();
    private int count;

    void compare(String what, String text, long[] expected, int[] actual, String[] expectedTokens, String[] actualTokens) {
        if (Arrays.equals(expected, Arrays.stream(actual).asLongStream().toArray())) {
            return;
        }
        if (count++ < 8) {
            shown.add(what + " " + quote(text) + "\n    hugging face " + Arrays.toString(expectedTokens)
                    + "\n    distillery   " + Arrays.toString(actualTokens));
        }
    }

    void compareText(String what, String text, String expected, String actual) {
        if (expected.equals(actual)) {
            return;
        }
        if (count++ < 8) {
            shown.add(what + " " + quote(text) + "\n    expected   " + quote(expected) + "\n    distillery " + quote(actual));
        }
    }

    int count() {
        return count;
    }

    void assertNone(int compared) {
        if (count > 0) {
            fail(count + " of " + compared + " comparisons differ from the reference; first ones:\n"
                    + String.join("\n", shown));
        }
    }

    /** The text with control, format and C1 characters escaped, so a message shows what was compared. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || Character.getType(cp) == Character.FORMAT
                    || Character.getType(cp) == Character.SURROGATE) {
                out.append(String.format("\\u%04X", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.append('"').toString();
    }
}
