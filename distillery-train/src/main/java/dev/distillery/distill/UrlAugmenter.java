package dev.distillery.distill;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded mutations of normalised URLs ({@code host[/path…]}, no scheme) for teacher-labelled
 * augmentation: the student sees near neighbours of the training URLs and the teacher's soft
 * targets on them, which is where a small model learns most of the teacher's decision boundary
 * (the seeds' "synthetic data" step; Tang et al. 2019, "Distilling Task-Specific Knowledge from
 * BERT into Simple Neural Networks", augment the same way). Labels are never guessed here: the
 * teacher labels whatever comes out.
 *
 * <p>Each variant applies one {@link Mutation} drawn uniformly. The variants of text i depend only
 * on (seed, i, text), so adding texts elsewhere does not change them.
 * <pre>{@code
 * new UrlAugmenter(7).augment(List.of("paypal.com/login"), 2);  // e.g. [paypal.xyz/login, secure.paypal.com/login]
 * }</pre>
 */
public final class UrlAugmenter {
    /** One kind of edit. */
    public enum Mutation {
        /** Substitute, insert, delete or swap one character. */
        CHARACTER_EDIT,
        /** Add a subdomain label, or replace or drop the first label of a host with three or more. */
        SUBDOMAIN,
        /** Replace a path segment, drop the last one, or append one. */
        PATH,
        /** Replace the top-level domain. */
        TLD
    }

    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-";
    private static final String[] WORDS = {"login", "secure", "account", "verify", "update", "mail", "app", "m",
            "support", "signin", "banking", "wp-admin", "index.php", "home", "docs", "download", "admin", "auth",
            "images", "news"};
    private static final String[] TLDS = {"com", "net", "org", "info", "io", "xyz", "top", "ru", "de", "co.uk", "br",
            "online", "site", "club", "cn"};
    /** Retries when a mutation leaves a text unchanged (e.g. a TLD replaced by itself). */
    private static final int ATTEMPTS = 8;

    private final long seed;

    public UrlAugmenter(long seed) {
        this.seed = seed;
    }

    /**
     * {@code perText} variants of each text, those of text i at [i·perText, (i+1)·perText); a variant
     * differs from its source unless every attempt failed to change it (one-character texts).
     */
    public List<String> augment(List<String> texts, int perText) {
        if (perText < 0) {
            throw new IllegalArgumentException("variants per text must be non-negative, got " + perText);
        }
        List<String> out = new ArrayList<>(texts.size() * perText);
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            SplittableRandom rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (i + 1)) ^ text.hashCode());
            for (int v = 0; v < perText; v++) {
                out.add(variant(text, rng));
            }
        }
        return out;
    }

    private static String variant(String text, SplittableRandom rng) {
        String result = text;
        for (int attempt = 0; attempt < ATTEMPTS && result.equals(text); attempt++) {
            Mutation m = Mutation.values()[rng.nextInt(Mutation.values().length)];
            result = apply(m, text, rng);
        }
        return result;
    }

    /** One mutation of {@code url}; the result may equal it when the mutation does not apply. */
    public static String apply(Mutation mutation, String url, SplittableRandom rng) {
        int slash = firstOf(url, "/?#");
        String hostPort = slash < 0 ? url : url.substring(0, slash);
        String rest = slash < 0 ? "" : url.substring(slash);
        int colon = hostPort.indexOf(':');
        String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
        String port = colon < 0 ? "" : hostPort.substring(colon);
        return switch (mutation) {
            case CHARACTER_EDIT -> characterEdit(url, rng);
            case SUBDOMAIN -> subdomain(host, rng) + port + rest;
            case PATH -> host + port + path(rest, rng);
            case TLD -> tld(host, rng) + port + rest;
        };
    }

    private static int firstOf(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private static String characterEdit(String s, SplittableRandom rng) {
        char c = ALPHABET.charAt(rng.nextInt(ALPHABET.length()));
        if (s.isEmpty()) {
            return String.valueOf(c);
        }
        int at = rng.nextInt(s.length());
        StringBuilder b = new StringBuilder(s);
        switch (rng.nextInt(4)) {
            case 0 -> b.setCharAt(at, c);
            case 1 -> b.insert(at, c);
            case 2 -> {
                if (s.length() > 1) {
                    b.deleteCharAt(at);
                }
            }
            default -> {
                if (at + 1 < s.length()) {
                    b.setCharAt(at, s.charAt(at + 1));
                    b.setCharAt(at + 1, s.charAt(at));
                }
            }
        }
        return b.toString();
    }

    private static boolean isIpAddress(String host) {
        return !host.isEmpty() && host.chars().allMatch(ch -> ch == '.' || (ch >= '0' && ch <= '9'));
    }

    private static String subdomain(String host, SplittableRandom rng) {
        if (host.isEmpty() || isIpAddress(host)) {
            return host;
        }
        String[] labels = host.split("\\.", -1);
        String word = WORDS[rng.nextInt(WORDS.length)].replace(".php", "");
        if (labels.length >= 3) {
            int choice = rng.nextInt(3);
            if (choice == 1) {
                return word + host.substring(labels[0].length());
            }
            if (choice == 2) {
                return host.substring(labels[0].length() + 1);
            }
        }
        return word + "." + host;
    }

    private static String path(String rest, SplittableRandom rng) {
        String word = WORDS[rng.nextInt(WORDS.length)];
        int query = firstOf(rest, "?#");
        String path = query < 0 ? rest : rest.substring(0, query);
        String tail = query < 0 ? "" : rest.substring(query);
        List<String> segments = new ArrayList<>(List.of(path.isEmpty() ? new String[0] : path.substring(1).split("/", -1)));
        int choice = segments.isEmpty() ? 0 : rng.nextInt(3);
        if (choice == 0) {
            segments.add(word);
        } else if (choice == 1) {
            segments.set(rng.nextInt(segments.size()), word);
        } else {
            segments.removeLast();
        }
        return (segments.isEmpty() ? "" : "/" + String.join("/", segments)) + tail;
    }

    private static String tld(String host, SplittableRandom rng) {
        int dot = host.lastIndexOf('.');
        if (dot <= 0 || isIpAddress(host)) {
            return host;
        }
        return host.substring(0, dot + 1) + TLDS[rng.nextInt(TLDS.length)];
    }
}
