package dev.distillery.robust;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One family of edits that leaves a phishing URL phishing: a reader still sees the same brand, host
 * or page, so the true label does not change while the model's input does. Each edit works on a
 * normalised URL ({@code host[/path…]}, no scheme), draws all its choices from the given random
 * source, and returns its input unchanged when it does not apply (an IP host has no TLD to swap).
 * <pre>{@code
 * Perturbation.BRAND_SUBDOMAIN.apply("evil.example/x", new SplittableRandom(1));  // e.g. "paypal.com.evil.example/x"
 * Perturbation.LOOKALIKE_SWAP.apply("google.com", new SplittableRandom(1));      // e.g. "g0ogle.com"
 * }</pre>
 * The families follow the URL obfuscations catalogued by Garera et al. 2007 ("A framework for detection
 * and measurement of phishing attacks") and the IDN homograph attack (Gabrilovich &amp; Gontmakher 2002).
 */
public enum Perturbation {
    /** A Latin letter of the host's labels (not the TLD) replaced by its Cyrillic or Greek look-alike. */
    HOMOGLYPH {
        @Override
        String edit(UrlParts u, SplittableRandom rng) {
            String host = u.host();
            List<Integer> at = new ArrayList<>();
            for (int i = 0; i < u.tldStart(); i++) {
                if (LookAlikes.HOMOGLYPHS.containsKey(host.charAt(i))) {
                    at.add(i);
                }
            }
            if (at.isEmpty()) {
                return u.toString();
            }
            int i = at.get(rng.nextInt(at.size()));
            String options = LookAlikes.HOMOGLYPHS.get(host.charAt(i));
            char glyph = options.charAt(rng.nextInt(options.length()));
            return u.withHost(host.substring(0, i) + glyph + host.substring(i + 1)).toString();
        }
    },
    /** A digit/letter swap in the host's labels: o→0, l→1, rn→m, vv→w and their reverses. */
    LOOKALIKE_SWAP {
        @Override
        String edit(UrlParts u, SplittableRandom rng) {
            String labels = u.host().substring(0, u.tldStart());
            List<int[]> found = new ArrayList<>(); // {position, swap index}
            for (int s = 0; s < LookAlikes.ASCII_SWAPS.size(); s++) {
                String from = LookAlikes.ASCII_SWAPS.get(s)[0];
                for (int i = labels.indexOf(from); i >= 0; i = labels.indexOf(from, i + 1)) {
                    found.add(new int[] {i, s});
                }
            }
            if (found.isEmpty()) {
                return u.toString();
            }
            int[] pick = found.get(rng.nextInt(found.size()));
            String[] swap = LookAlikes.ASCII_SWAPS.get(pick[1]);
            String host = u.host();
            return u.withHost(host.substring(0, pick[0]) + swap[1] + host.substring(pick[0] + swap[0].length())).toString();
        }
    },
    /** One letter or digit inserted next to a letter or digit of the host's labels or the path. */
    CHARACTER_INSERT {
        @Override
        String edit(UrlParts u, SplittableRandom rng) {
            return characterEdit(u, rng, (s, i, r) -> {
                char c = ALNUM.charAt(r.nextInt(ALNUM.length()));
                int at = i + r.nextInt(2);
                return s.substring(0, at) + c + s.substring(at);
            });
        }
    },
    /** One letter or digit deleted, never the last character of a host label. */
    CHARACTER_DELETE {
        @Override
        String edit(UrlParts u, SplittableRandom rng) {
            return characterEdit(u, rng, (s, i, r) -> s.substring(0, i) + s.substring(i + 1));
        }
    },
    /** Two neighbouring letters or digits swapped. */
    CHARACTER_SWAP {
        @Override
        String edit(UrlParts u, SplittableRandom rng) {
            return characterEdit(u, rng, (s, i, r) -> i + 1 < s.length() && isAlnum(s.charAt(i + 1))
                    ? s.substring(0, i) + s.charAt(i + 1) + s.charAt(i) + s.substring(i + 2) : s);
        }
    },
    /** One letter or digit written twice. */
    CHARACTER_DUPLICATE {
        @Override
        String edit(UrlParts u, SplittableRandom rng) {
            return characterEdit(u, rng, (s, i, r) -> s.substring(0, i + 1) + s.charAt(i) + s.substring(i + 1));
        }
    },
    /** A run of up to six letters of the host or path upper-cased; hosts are case-insensitive. */
    CASE_CHANGE {
        @Override
        String edit(UrlParts u, SplittableRandom rng) {
            boolean inPath = !u.path().isEmpty() && rng.nextBoolean();
            String s = inPath ? u.path() : u.host();
            List<Integer> lower = new ArrayList<>();
            for (int i = 0; i < s.length(); i++) {
                if (Character.isLowerCase(s.charAt(i))) {
                    lower.add(i);
                }
            }
            if (lower.isEmpty()) {
                return u.toString();
            }
            int from = lower.get(rng.nextInt(lower.size()));
            int to = Math.min(s.length(), from + 1 + rng.nextInt(6));
            String edited = s.substring(0, from) + s.substring(from, to).toUpperCase(Locale.ROOT) + s.substring(to);
            return (inPath ? u.withPath(edited) : u.withHost(edited)).toString();
        }
    },
    /** A letter or digit of the path written as its {@code %XX} escape, which a server decodes back. */
    PERCENT_ENCODE_PATH {
        @Override
        String edit(UrlParts u, SplittableRandom rng) {
            String p = u.path();
            List<Integer> at = new ArrayList<>();
            for (int i = 0; i < p.length(); i++) {
                if (isAlnum(p.charAt(i))) {
                    at.add(i);
                }
            }
            if (at.isEmpty()) {
                return u.toString();
            }
            int i = at.get(rng.nextInt(at.size()));
            String escape = String.format(Locale.ROOT, "%%%02X", (int) p.charAt(i));
            return u.withPath(p.substring(0, i) + escape + p.substring(i + 1)).toString();
        }
    },
    /** A brand's domain prepended as subdomains: {@code evil.example} becomes {@code paypal.com.evil.example}. */
    BRAND_SUBDOMAIN {
        @Override
        String edit(UrlParts u, SplittableRandom rng) {
            if (!u.namedHost()) {
                return u.toString();
            }
            return u.withHost(BRAND_DOMAINS[rng.nextInt(BRAND_DOMAINS.length)] + "." + u.host()).toString();
        }
    },
    /** A benign-looking path segment inserted between segments ({@code /en}, {@code /index.html}, …). */
    PATH_PADDING {
        @Override
        String edit(UrlParts u, SplittableRandom rng) {
            String p = u.path();
            List<Integer> cuts = new ArrayList<>(); // positions of '/' and the path's end
            for (int i = 0; i < p.length(); i++) {
                if (p.charAt(i) == '/') {
                    cuts.add(i);
                }
            }
            cuts.add(p.length());
            int at = cuts.get(rng.nextInt(cuts.size()));
            String token = BENIGN_SEGMENTS[rng.nextInt(BENIGN_SEGMENTS.length)];
            return u.withPath(p.substring(0, at) + "/" + token + p.substring(at)).toString();
        }
    },
    /** The top-level domain replaced by another common one. */
    TLD_SWAP {
        @Override
        String edit(UrlParts u, SplittableRandom rng) {
            if (!u.namedHost()) {
                return u.toString();
            }
            int start = u.tldStart();
            return u.withHost(u.host().substring(0, start) + TLDS[rng.nextInt(TLDS.length)]).toString();
        }
    },
    /**
     * A well-known brand in the host misspelt (a letter dropped, doubled, swapped or a hyphen added); a
     * host naming no brand gets a misspelt brand as a new first label.
     */
    TYPOSQUAT {
        @Override
        String edit(UrlParts u, SplittableRandom rng) {
            if (u.host().isEmpty() || u.ipHost()) {
                return u.toString();
            }
            String host = u.host();
            String lower = host.toLowerCase(Locale.ROOT);
            List<int[]> found = new ArrayList<>(); // {position, brand index}
            for (int b = 0; b < BRANDS.length; b++) {
                for (int i = lower.indexOf(BRANDS[b]); i >= 0 && i < u.tldStart(); i = lower.indexOf(BRANDS[b], i + 1)) {
                    found.add(new int[] {i, b});
                }
            }
            if (found.isEmpty()) {
                return u.withHost(typo(BRANDS[rng.nextInt(BRANDS.length)], rng) + "." + host).toString();
            }
            int[] pick = found.get(rng.nextInt(found.size()));
            int end = pick[0] + BRANDS[pick[1]].length();
            return u.withHost(host.substring(0, pick[0]) + typo(host.substring(pick[0], end), rng) + host.substring(end))
                    .toString();
        }
    },
    /** A brand's domain put before the host as user info, which browsers ignore: {@code paypal.com@evil.example}. */
    USER_AT_HOST {
        @Override
        String edit(UrlParts u, SplittableRandom rng) {
            if (!u.userInfo().isEmpty() || u.host().isEmpty()) {
                return u.toString();
            }
            return u.withUserInfo(BRAND_DOMAINS[rng.nextInt(BRAND_DOMAINS.length)] + "@").toString();
        }
    },
    /** A harmless query parameter appended ({@code lang=en}, {@code utm_source=email}, …). */
    QUERY_PARAMETER {
        @Override
        String edit(UrlParts u, SplittableRandom rng) {
            String parameter = QUERY_PARAMETERS[rng.nextInt(QUERY_PARAMETERS.length)];
            if (parameter.endsWith("=")) {
                parameter += 1000 + rng.nextInt(9000);
            }
            return u.withQuery(u.query().isEmpty() ? "?" + parameter : u.query() + "&" + parameter).toString();
        }
    };

    static final String ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
    static final String[] BRANDS = {"paypal", "apple", "microsoft", "office", "outlook", "amazon", "google", "facebook",
            "instagram", "netflix", "chase", "wellsfargo", "bankofamerica", "dropbox", "docusign", "linkedin", "ebay",
            "adobe", "dhl", "whatsapp"};
    static final String[] BRAND_DOMAINS = {"paypal.com", "apple.com", "microsoft.com", "login.microsoftonline.com",
            "office.com", "amazon.com", "google.com", "accounts.google.com", "facebook.com", "instagram.com", "netflix.com",
            "chase.com", "wellsfargo.com", "bankofamerica.com", "dropbox.com", "docusign.net", "linkedin.com", "ebay.com",
            "adobe.com", "dhl.com"};
    static final String[] BENIGN_SEGMENTS = {"en", "home", "index.html", "index.php", "about", "help", "support",
            "static", "assets", "blog", "products", "contact", "default.aspx", "docs", "2023", "en-us", "faq.html"};
    static final String[] TLDS = {"com", "net", "org", "co", "io", "info", "us", "de", "app", "online", "site", "co.uk"};
    static final String[] QUERY_PARAMETERS = {"lang=en", "ref=home", "utm_source=email", "utm_medium=newsletter",
            "page=1", "id=", "session=", "locale=en_US", "src=mail", "v="};

    /**
     * One edit of {@code url} with choices drawn from {@code rng}; {@code url} itself when the family does not
     * apply to it.
     */
    public String apply(String url, SplittableRandom rng) {
        return edit(UrlParts.parse(url), rng);
    }

    abstract String edit(UrlParts u, SplittableRandom rng);

    /** An edit of one string at a character index, given the index of a letter or digit. */
    interface AtIndex {
        String apply(String s, int index, SplittableRandom rng);
    }

    /**
     * {@code op} at a letter or digit of the host's labels (the TLD excluded) or of the path, the two equally
     * likely when both have one.
     */
    static String characterEdit(UrlParts u, SplittableRandom rng, AtIndex op) {
        String labels = u.host().substring(0, u.tldStart());
        List<Integer> inHost = alnumIndices(u.ipHost() ? "" : labels);
        List<Integer> inPath = alnumIndices(u.path());
        if (inHost.isEmpty() && inPath.isEmpty()) {
            return u.toString();
        }
        boolean path = inHost.isEmpty() || (!inPath.isEmpty() && rng.nextBoolean());
        if (path) {
            int i = inPath.get(rng.nextInt(inPath.size()));
            return u.withPath(op.apply(u.path(), i, rng)).toString();
        }
        int i = inHost.get(rng.nextInt(inHost.size()));
        String host = op.apply(labels, i, rng) + u.host().substring(u.tldStart());
        // a deletion can empty a label or leave a hyphen at its edge; an already malformed host is left to itself
        return labelsWellFormed(host) || !labelsWellFormed(u.host()) ? u.withHost(host).toString() : u.toString();
    }

    static boolean isAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static List<Integer> alnumIndices(String s) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < s.length(); i++) {
            if (isAlnum(s.charAt(i))) {
                out.add(i);
            }
        }
        return out;
    }

    /** A typo of a brand name: a letter dropped, doubled, two swapped, or a hyphen put inside. */
    static String typo(String brand, SplittableRandom rng) {
        int n = brand.length();
        if (n < 3) {
            return brand + brand.charAt(n - 1);
        }
        int i = 1 + rng.nextInt(n - 2); // inside the word, so the first and last letters still anchor the brand
        return switch (rng.nextInt(4)) {
            case 0 -> brand.substring(0, i) + brand.substring(i + 1);
            case 1 -> brand.substring(0, i + 1) + brand.charAt(i) + brand.substring(i + 1);
            case 2 -> brand.charAt(i) == brand.charAt(i + 1) ? brand.substring(0, i) + brand.substring(i + 1)
                    : brand.substring(0, i) + brand.charAt(i + 1) + brand.charAt(i) + brand.substring(i + 2);
            default -> brand.substring(0, i) + "-" + brand.substring(i);
        };
    }

    /** Host labels are non-empty and neither start nor end with '-' (RFC 1123). */
    static boolean labelsWellFormed(String host) {
        for (String label : host.split("\\.", -1)) {
            if (label.isEmpty() || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
        }
        return true;
    }
}
