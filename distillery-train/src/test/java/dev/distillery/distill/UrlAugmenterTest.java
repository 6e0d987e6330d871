package dev.distillery.distill;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UrlAugmenterTest {
    private static final List<String> URLS = List.of("paypal.com/signin/index.html", "mail.example.co.uk",
            "192.168.1.4:8080/admin?x=1", "a.b.c.net/x/y");

    @Test
    void seededAndIndependentOfOtherTexts() {
        List<String> a = new UrlAugmenter(7).augment(URLS, 3);
        assertEquals(URLS.size() * 3, a.size());
        assertEquals(a, new UrlAugmenter(7).augment(URLS, 3));
        assertNotEquals(a, new UrlAugmenter(8).augment(URLS, 3));
        assertEquals(a.subList(0, 3), new UrlAugmenter(7).augment(URLS.subList(0, 1), 3),
                "the variants of text 0 do not depend on the texts after it");
        for (int i = 0; i < a.size(); i++) {
            assertNotEquals(URLS.get(i / 3), a.get(i), "every variant differs from its source");
        }
    }

    @Test
    void eachMutationEditsOnlyItsPart() {
        SplittableRandom rng = new SplittableRandom(1);
        for (int trial = 0; trial < 50; trial++) {
            String tld = UrlAugmenter.apply(UrlAugmenter.Mutation.TLD, "paypal.com/signin", rng);
            assertTrue(tld.startsWith("paypal.") && tld.endsWith("/signin"), tld);

            String sub = UrlAugmenter.apply(UrlAugmenter.Mutation.SUBDOMAIN, "mail.example.co.uk/x", rng);
            assertTrue(sub.endsWith("example.co.uk/x"), sub);

            String path = UrlAugmenter.apply(UrlAugmenter.Mutation.PATH, "example.com/a/b?q=1", rng);
            assertTrue(path.startsWith("example.com") && path.endsWith("?q=1"), path);

            String edit = UrlAugmenter.apply(UrlAugmenter.Mutation.CHARACTER_EDIT, "example.com", rng);
            assertTrue(Math.abs(edit.length() - "example.com".length()) <= 1 && differences(edit, "example.com") <= 2,
                    edit);

            String ip = "192.168.1.4:8080/admin";
            assertEquals(ip, UrlAugmenter.apply(UrlAugmenter.Mutation.TLD, ip, rng), "an IP address has no TLD");
        }
    }

    /** Levenshtein distance, small strings only. */
    private static int differences(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            for (int j = 0; j <= b.length(); j++) {
                d[i][j] = i == 0 ? j : j == 0 ? i : Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1),
                        d[i - 1][j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
        }
        return d[a.length()][b.length()];
    }
}
