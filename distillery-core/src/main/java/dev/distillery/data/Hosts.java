package dev.distillery.data;

import java.util.Locale;

/**
 * The host of a URL as the datasets group by it: the lower-cased hostname without one leading
 * {@code www.}. Parsing is lenient because dataset URLs often lack a scheme or are malformed;
 * it follows the authority syntax of RFC 3986 (userinfo before the last {@code @}, port after the
 * last {@code :}, IPv6 literals in brackets).
 */
public final class Hosts {
    private Hosts() {
    }

    /**
     * Host key of {@code url}, e.g. {@code "HTTP://user:pw@WWW.Example.COM:8080/x"} → {@code "example.com"},
     * {@code "[2001:DB8::1]:443/a"} → {@code "[2001:db8::1]"}. Text without any host part (empty, or
     * starting with {@code /}) is returned trimmed and lower-cased, so it still forms a group of its own.
     */
    public static String hostOf(String url) {
        String u = TextTransform.stripPythonWhitespace(url);
        int start = 0;
        int schemeEnd = schemeEnd(u);
        if (schemeEnd > 0) {
            start = schemeEnd;
        } else if (u.startsWith("//")) {
            start = 2;
        }
        int end = start;
        while (end < u.length()) {
            char c = u.charAt(end);
            // a backslash ends the authority too: browsers read http://a.com\b as http://a.com/b
            if (c == '/' || c == '?' || c == '#' || c == '\\') {
                break;
            }
            end++;
        }
        String authority = u.substring(start, end);
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            authority = authority.substring(at + 1);
        }
        String host;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            host = close > 0 ? authority.substring(0, close + 1) : authority;
        } else {
            int colon = authority.indexOf(':');
            host = colon >= 0 ? authority.substring(0, colon) : authority;
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.endsWith(".") && host.length() > 1) {
            host = host.substring(0, host.length() - 1); // "example.com." is the same host as "example.com"
        }
        if (host.startsWith("www.")) {
            host = host.substring(4);
        }
        if (host.isEmpty()) {
            return u.toLowerCase(Locale.ROOT);
        }
        return host;
    }

    /** Index just past {@code scheme://}, or 0 when the text does not start with a scheme. */
    private static int schemeEnd(String u) {
        if (u.isEmpty() || !isAsciiLetter(u.charAt(0))) {
            return 0;
        }
        int i = 1;
        while (i < u.length()) {
            char c = u.charAt(i);
            if (isAsciiLetter(c) || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-') {
                i++;
            } else {
                break;
            }
        }
        return u.startsWith("://", i) ? i + 3 : 0;
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
