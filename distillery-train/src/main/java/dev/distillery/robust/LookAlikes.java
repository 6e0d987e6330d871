package dev.distillery.robust;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Characters and character pairs a reader takes for one another in a URL: Cyrillic and Greek
 * letters that render like Latin ones (the IDN homograph attack; Unicode TS #39 "confusables"
 * lists them) and the digit/letter swaps typosquatters use (o→0, l→1, rn→m).
 * {@link #skeleton} maps a string to one representative per look-alike class, so two strings a reader
 * confuses have the same skeleton.
 */
final class LookAlikes {
    /** Latin letter → Cyrillic or Greek letters drawn the same in common fonts. */
    static final Map<Character, String> HOMOGLYPHS = Map.ofEntries(
            Map.entry('a', "\u0430\u03b1"), Map.entry('c', "\u0441\u03f2"), Map.entry('e', "\u0435"),
            Map.entry('i', "\u0456\u03b9"), Map.entry('j', "\u0458"), Map.entry('k', "\u03ba"),
            Map.entry('o', "\u043e\u03bf"), Map.entry('p', "\u0440\u03c1"), Map.entry('s', "\u0455"),
            Map.entry('x', "\u0445\u03c7"), Map.entry('y', "\u0443\u03b3"), Map.entry('h', "\u04bb"),
            Map.entry('v', "\u03bd"));

    /** ASCII swaps, each applied left to right; the reverse direction is listed separately. */
    static final List<String[]> ASCII_SWAPS = List.of(new String[] {"o", "0"}, new String[] {"0", "o"},
            new String[] {"l", "1"}, new String[] {"1", "l"}, new String[] {"i", "1"}, new String[] {"i", "l"},
            new String[] {"l", "i"}, new String[] {"rn", "m"}, new String[] {"m", "rn"}, new String[] {"w", "vv"},
            new String[] {"vv", "w"}, new String[] {"d", "cl"}, new String[] {"e", "3"}, new String[] {"a", "4"},
            new String[] {"s", "5"}, new String[] {"g", "q"});

    private LookAlikes() {
    }

    /**
     * One representative per look-alike class, lower-cased: homoglyphs become their Latin letter,
     * 0→o, 1/i→l, 3→e, 4→a, 5→s, q→g, rn→m, vv→w, cl→d.
     */
    static String skeleton(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toLowerCase(Locale.ROOT).toCharArray()) {
            b.append(latinOf(c));
        }
        return b.toString().replace("rn", "m").replace("vv", "w").replace("cl", "d");
    }

    private static char latinOf(char c) {
        for (Map.Entry<Character, String> e : HOMOGLYPHS.entrySet()) {
            if (e.getValue().indexOf(c) >= 0) {
                c = e.getKey();
                break;
            }
        }
        return switch (c) {
            case '0' -> 'o';
            case '1', 'i' -> 'l';
            case '3' -> 'e';
            case '4' -> 'a';
            case '5' -> 's';
            case 'q' -> 'g';
            default -> c;
        };
    }
}
