package dev.distillery.data;

import java.util.Arrays;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A named rewrite of each example's text, applied identically when training and when predicting.
 * A model records {@link #id()} so the same transform is applied to its inputs later; ids never
 * change meaning once released.
 */
public enum TextTransform {
    /** Text used as read. */
    NONE("none"),

    /**
     * {@code normalize_url} of datasets/phishing-urls/README.md, in this order: (1) trim; (2) drop a
     * leading scheme {@code ^[A-Za-z][A-Za-z0-9+.-]*://}; (3) drop one leading {@code www.}, any
     * case; (4) drop one trailing {@code /}. It removes the scheme and {@code www.} format cues that
     * separate the classes in the raw data. Example: {@code " HTTPS://WWW.Example.com/a/ "} becomes
     * {@code "Example.com/a"}.
     */
    URL_NORMALIZE("url-normalize");

    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://");

    private final String id;

    TextTransform(String id) {
        this.id = id;
    }

    /** Stable name to store in a model or a run record. */
    public String id() {
        return id;
    }

    public String apply(String text) {
        return switch (this) {
            case NONE -> text;
            case URL_NORMALIZE -> normalizeUrl(text);
        };
    }

    public static TextTransform fromId(String id) {
        for (TextTransform t : values()) {
            if (t.id.equals(id)) {
                return t;
            }
        }
        throw new DatasetException("unknown text transform '" + id + "'; known: "
                + Arrays.stream(values()).map(TextTransform::id).collect(Collectors.joining(", ")));
    }

    /**
     * Python's {@code str.strip()}, which the shipped files were made with: its whitespace set
     * ({@code str.isspace}) includes no-break spaces that Java's {@code String.strip()} keeps.
     */
    static String stripPythonWhitespace(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isPythonSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isPythonSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isPythonSpace(char c) {
        return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f
                || c == 0x3000;
    }

    private static String normalizeUrl(String url) {
        String u = stripPythonWhitespace(url);
        u = SCHEME.matcher(u).replaceFirst("");
        if (u.regionMatches(true, 0, "www.", 0, 4)) {
            u = u.substring(4);
        }
        if (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }
}
