package dev.distillery.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.data.BundledData;
import dev.distillery.data.Dataset;
import dev.distillery.data.ReadOptions;

import java.net.IDN;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.net.URLDecoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each family on real phishing URLs (the bundled test split, already normalised): the output is still a
 * well-formed URL, keeps the look of the registered domain in the family's own sense, and is a
 * function of the seed.
 */
class PerturbationTest {
    private static final int URLS = 150;
    private static final int SEEDS = 3;
    private static List<String> phishing;

    @BeforeAll
    static void readPhishingUrls() {
        Dataset test = Dataset.load(BundledData.phishingUrls().test(), ReadOptions.defaults());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < test.size() && out.size() < URLS; i++) {
            // only URLs that are well formed to begin with can be asked to stay so
            if (test.label(i) == 1 && wellFormed(test.text(i))) {
                out.add(test.text(i));
            }
        }
        phishing = out;
        assertEquals(URLS, phishing.size(), "the bundled test split has at least " + URLS + " well-formed phishing URLs");
    }

    @ParameterizedTest
    @EnumSource(Perturbation.class)
    void keepsUrlsWellFormedAndTheirLook(Perturbation family) {
        int changed = 0;
        for (String url : phishing) {
            for (int seed = 0; seed < SEEDS; seed++) {
                String out = family.apply(url, new SplittableRandom(seed));
                assertEquals(out, family.apply(url, new SplittableRandom(seed)), "same seed, same edit of " + url);
                if (out.equals(url)) {
                    continue;
                }
                changed++;
                assertTrue(wellFormed(out), family + " made a malformed URL of " + url + ": " + out);
                assertLooksAlike(family, url, out);
            }
        }
        // every family applies to most real phishing URLs (percent-encoding and brand typos need a path or a name)
        assertTrue(changed >= URLS * SEEDS / 3, family + " changed only " + changed + " of " + URLS * SEEDS);
    }

    private static void assertLooksAlike(Perturbation family, String in, String out) {
        UrlParts a = UrlParts.parse(in);
        UrlParts b = UrlParts.parse(out);
        String what = family + ": " + in + " -> " + out;
        switch (family) {
            case HOMOGLYPH, LOOKALIKE_SWAP -> {
                assertEquals(LookAlikes.skeleton(in), LookAlikes.skeleton(out), what);
                assertEquals(a.path(), b.path(), what);
            }
            case CHARACTER_INSERT, CHARACTER_DELETE, CHARACTER_SWAP, CHARACTER_DUPLICATE -> {
                assertEquals(1, editDistance(in, out), what);
                assertEquals(tld(a), tld(b), what);
            }
            case CASE_CHANGE -> assertEquals(in.toLowerCase(Locale.ROOT), out.toLowerCase(Locale.ROOT), what);
            case PERCENT_ENCODE_PATH -> {
                assertEquals(a.host(), b.host(), what);
                assertEquals(URLDecoder.decode(a.path(), StandardCharsets.UTF_8), URLDecoder.decode(b.path(), StandardCharsets.UTF_8),
                        what);
            }
            case BRAND_SUBDOMAIN -> {
                assertEquals(a.registeredDomain(), b.registeredDomain(), what);
                assertTrue(Arrays.stream(Perturbation.BRAND_DOMAINS).anyMatch(d -> b.host().equals(d + "." + a.host())), what);
            }
            case PATH_PADDING -> {
                assertEquals(a.host(), b.host(), what);
                assertEquals(a.query(), b.query(), what);
                assertTrue(isSubsequence(a.path().split("/"), b.path().split("/")), what);
                assertEquals(a.path().split("/", -1).length + 1, b.path().split("/", -1).length, what);
            }
            case TLD_SWAP -> {
                assertEquals(a.host().substring(0, a.tldStart()), b.host().substring(0, b.tldStart()), what);
                assertNotEquals(tld(a), tld(b), what);
            }
            case TYPOSQUAT -> {
                if (Arrays.stream(Perturbation.BRANDS).anyMatch(a.host()::contains)) {
                    assertEquals(1, editDistance(a.host(), b.host()), what);
                } else {
                    assertEquals(a.registeredDomain(), b.registeredDomain(), what);
                }
            }
            case USER_AT_HOST -> {
                assertEquals(a.withUserInfo("").toString(), b.withUserInfo("").toString(), what);
                assertTrue(Arrays.stream(Perturbation.BRAND_DOMAINS).anyMatch(d -> b.userInfo().equals(d + "@")), what);
            }
            case QUERY_PARAMETER -> {
                assertEquals(a.withQuery("").toString(), b.withQuery("").toString(), what);
                assertTrue(b.query().startsWith(a.query().isEmpty() ? "?" : a.query() + "&"), what);
            }
        }
    }

    private static String tld(UrlParts u) {
        return u.host().substring(u.tldStart());
    }

    /** Parses as an http URL once the host is in its ASCII (punycode) form, with DNS-valid labels. */
    static boolean wellFormed(String url) {
        UrlParts u = UrlParts.parse(url);
        if (u.host().isEmpty() || !Perturbation.labelsWellFormed(u.host())) {
            return false;
        }
        try {
            String ascii = IDN.toASCII(u.host(), IDN.ALLOW_UNASSIGNED);
            URI uri = new URI("http://" + u.userInfo() + ascii + u.port() + u.path() + u.query() + u.fragment());
            return uri.getHost() != null && uri.getHost().equalsIgnoreCase(ascii);
        } catch (URISyntaxException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
    static int editDistance(String s, String t) {
        int[][] d = new int[s.length() + 1][t.length() + 1];
        for (int i = 0; i <= s.length(); i++) {
            for (int j = 0; j <= t.length(); j++) {
                if (i == 0 || j == 0) {
                    d[i][j] = i + j;
                    continue;
                }
                int cost = s.charAt(i - 1) == t.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && s.charAt(i - 1) == t.charAt(j - 2) && s.charAt(i - 2) == t.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[s.length()][t.length()];
    }

    private static boolean isSubsequence(String[] small, String[] large) {
        int j = 0;
        for (String s : large) {
            if (j < small.length && small[j].equals(s)) {
                j++;
            }
        }
        return j == small.length;
    }
}
