package dev.distillery.robust;

/**
 * A normalised URL ({@code [user@]host[:port][/path][?query][#fragment]}, no scheme) split into the
 * parts the perturbations edit; {@link #toString()} joins them back, so {@code parse(u).toString()}
 * equals {@code u}.
 *
 * @param userInfo "" or the text before the host including its '@' ("paypal.com@")
 * @param host     the host name or IP address, possibly empty for malformed input
 * @param port     "" or ":" and the port
 * @param path     "" or the path from its leading '/'
 * @param query    "" or the query from its '?'
 * @param fragment "" or the fragment from its '#'
 */
record UrlParts(String userInfo, String host, String port, String path, String query, String fragment) {

    static UrlParts parse(String url) {
        int end = firstOf(url, "/?#", 0);
        String authority = end < 0 ? url : url.substring(0, end);
        String rest = end < 0 ? "" : url.substring(end);
        int at = authority.lastIndexOf('@');
        String userInfo = at < 0 ? "" : authority.substring(0, at + 1);
        String hostPort = authority.substring(at + 1);
        int colon = hostPort.indexOf(':');
        String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
        String port = colon < 0 ? "" : hostPort.substring(colon);
        int hash = rest.indexOf('#');
        String fragment = hash < 0 ? "" : rest.substring(hash);
        String beforeHash = hash < 0 ? rest : rest.substring(0, hash);
        int q = beforeHash.indexOf('?');
        String query = q < 0 ? "" : beforeHash.substring(q);
        String path = q < 0 ? beforeHash : beforeHash.substring(0, q);
        return new UrlParts(userInfo, host, port, path, query, fragment);
    }

    UrlParts withUserInfo(String u) {
        return new UrlParts(u, host, port, path, query, fragment);
    }

    UrlParts withHost(String h) {
        return new UrlParts(userInfo, h, port, path, query, fragment);
    }

    UrlParts withPath(String p) {
        return new UrlParts(userInfo, host, port, p, query, fragment);
    }

    UrlParts withQuery(String q) {
        return new UrlParts(userInfo, host, port, path, q, fragment);
    }

    /** True for a dotted-quad host, which has no labels or TLD to edit. */
    boolean ipHost() {
        return !host.isEmpty() && host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    /** A host with at least two non-empty labels, so it has a TLD and a registered label. */
    boolean namedHost() {
        if (ipHost()) {
            return false;
        }
        int dot = host.lastIndexOf('.');
        return dot > 0 && dot < host.length() - 1 && !host.startsWith(".");
    }

    /**
     * Index in {@link #host} where the TLD starts (after the last dot), the host's length when it has
     * none, 0 for an IP address; the labels before it are the ones character edits may touch.
     */
    int tldStart() {
        if (ipHost()) {
            return 0;
        }
        return namedHost() ? host.lastIndexOf('.') + 1 : host.length();
    }

    /** The registrable domain the way a reader sees it: the last two labels, or the whole host. */
    String registeredDomain() {
        if (!namedHost()) {
            return host;
        }
        int last = host.lastIndexOf('.');
        int before = host.lastIndexOf('.', last - 1);
        return host.substring(before + 1);
    }

    @Override
    public String toString() {
        return userInfo + host + port + path + query + fragment;
    }

    static int firstOf(String s, String chars, int from) {
        for (int i = from; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }
}
