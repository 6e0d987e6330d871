package dev.distillery.tokenize;

/**
 * Text from a file made safe for a one-line error message: a token, column name or field a reader quotes back
 * may hold line breaks or terminal control sequences, which would split the message or act on the terminal.
 * <pre>{@code
 * Printable.oneLine("a\nb\u001b[2J");   // "a\\nb\\u001b[2J"
 * }</pre>
 */
public final class Printable {
    private Printable() {
    }

    /** {@code s} with line breaks, tabs and other control characters written as Java escapes. */
    public static String oneLine(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean control = Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
            if (control && out == null) {
                out = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (out != null) {
                if (!control) {
                    out.append(c);
                } else {
                    switch (c) {
                        case '\n' -> out.append("\\n");
                        case '\r' -> out.append("\\r");
                        case '\t' -> out.append("\\t");
                        default -> out.append(String.format("\\u%04x", (int) c));
                    }
                }
            }
        }
        return out == null ? s : out.toString();
    }
}
