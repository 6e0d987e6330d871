package dev.distillery.tokenize;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-pair encoding by merge rank (Sennrich et al. 2016, "Neural Machine Translation of Rare
 * Words with Subword Units"), as Hugging Face's {@code BPE} model runs it: a piece starts as one
 * symbol per character (with the continuing-subword prefix or end-of-word suffix if the file sets
 * them, byte tokens {@code <0xNN>} for characters missing from the vocabulary when
 * {@code byte_fallback}, else the unknown token, fused if {@code fuse_unk}); then the adjacent pair
 * with the lowest merge rank is merged, leftmost first, until no pair merges. With
 * {@code ignore_merges} a piece that is itself a token is taken whole. Results for pieces shorter
 * than 256 characters are cached, up to 10,000 of them, as Hugging Face caches them.
 */
final class RankedBpe implements SubwordModel {
    private static final int CACHE_CAPACITY = 10_000;
    private static final int CACHEABLE_LENGTH = 256;

    private final TokenTable vocab;
    private final MergeTable merges;
    private final int unkId; // -1 without an unknown token
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final String continuingPrefix; // null when unset
    private final String endOfWordSuffix; // null when unset
    private final boolean ignoreMerges;
    private final int[] byteIds = new int[256]; // id of <0xNN>, or -1
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    RankedBpe(TokenTable vocab, MergeTable merges, int unkId, boolean fuseUnk, boolean byteFallback,
              String continuingPrefix, String endOfWordSuffix, boolean ignoreMerges) {
        this.vocab = vocab;
        this.merges = merges;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.continuingPrefix = continuingPrefix;
        this.endOfWordSuffix = endOfWordSuffix;
        this.ignoreMerges = ignoreMerges;
        for (int b = 0; b < 256; b++) {
            byteIds[b] = vocab.id(String.format("<0x%02X>", b));
        }
    }

    @Override
    public void tokenize(String piece, IntList out) {
        if (piece.isEmpty()) {
            return;
        }
        if (ignoreMerges) {
            int whole = vocab.id(piece);
            if (whole >= 0) {
                out.add(whole);
                return;
            }
        }
        int[] cached = cache.get(piece);
        if (cached == null) {
            cached = mergeWord(piece);
            if (piece.length() < CACHEABLE_LENGTH && cache.size() < CACHE_CAPACITY) {
                cache.putIfAbsent(piece, cached);
            }
        }
        for (int id : cached) {
            out.add(id);
        }
    }

    /** Hugging Face's {@code BPE::merge_word} followed by {@code Word::merge_all}. */
    private int[] mergeWord(String w) {
        IntList symbols = new IntList();
        int pendingUnk = -1; // an unknown token not yet added, so a run of them can fuse
        for (int i = 0; i < w.length(); ) {
            int cp = w.codePointAt(i);
            int end = i + Character.charCount(cp);
            String s = w.substring(i, end);
            if (i > 0 && continuingPrefix != null) {
                s = continuingPrefix + s;
            }
            if (end == w.length() && endOfWordSuffix != null) {
                s = s + endOfWordSuffix;
            }
            i = end;
            int id = vocab.id(s);
            if (id >= 0) {
                if (pendingUnk >= 0) {
                    symbols.add(pendingUnk);
                    pendingUnk = -1;
                }
                symbols.add(id);
                continue;
            }
            if (byteFallback && addBytes(s, symbols)) {
                // As in Hugging Face, a pending unknown token stays pending behind the byte tokens.
                continue;
            }
            if (unkId >= 0) {
                if (pendingUnk >= 0 && !fuseUnk) {
                    symbols.add(pendingUnk);
                }
                pendingUnk = unkId;
            }
        }
        if (pendingUnk >= 0) {
            symbols.add(pendingUnk);
        }
        return mergeAll(symbols.toArray(0, symbols.size()));
    }

    private boolean addBytes(String s, IntList symbols) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            if (byteIds[b & 0xFF] < 0) {
                return false;
            }
        }
        for (byte b : bytes) {
            symbols.add(byteIds[b & 0xFF]);
        }
        return true;
    }

    /** Merges by lowest rank, then lowest position, with stale queue entries skipped ({@code Word::merge_all}). */
    private int[] mergeAll(int[] c) {
        int n = c.length;
        if (n < 2) {
            return c;
        }
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] removed = new boolean[n];
        Heap queue = new Heap(n);
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            if (i + 1 < n) {
                long m = merges.get(c[i], c[i + 1]);
                if (m >= 0) {
                    queue.push((int) (m >>> 32), i, (int) m);
                }
            }
        }
        while (queue.size > 0) {
            int pos = queue.topPos();
            int newId = queue.topId();
            queue.pop();
            if (removed[pos] || next[pos] < 0) {
                continue;
            }
            int right = next[pos];
            long current = merges.get(c[pos], c[right]);
            if (current < 0 || (int) current != newId) {
                continue;
            }
            c[pos] = newId;
            removed[right] = true;
            next[pos] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = pos;
            }
            if (prev[pos] >= 0) {
                long m = merges.get(c[prev[pos]], c[pos]);
                if (m >= 0) {
                    queue.push((int) (m >>> 32), prev[pos], (int) m);
                }
            }
            if (next[pos] >= 0) {
                long m = merges.get(c[pos], c[next[pos]]);
                if (m >= 0) {
                    queue.push((int) (m >>> 32), pos, (int) m);
                }
            }
        }
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (!removed[i]) {
                c[kept++] = c[i];
            }
        }
        return Arrays.copyOf(c, kept);
    }

    /** A binary min-heap of (rank, position, merged id), ordered by rank then position. */
    private static final class Heap {
        private int[] rank;
        private int[] pos;
        private int[] id;
        int size;

        Heap(int capacity) {
            rank = new int[capacity];
            pos = new int[capacity];
            id = new int[capacity];
        }

        void push(int r, int p, int i) {
            if (size == rank.length) {
                rank = Arrays.copyOf(rank, size * 2);
                pos = Arrays.copyOf(pos, size * 2);
                id = Arrays.copyOf(id, size * 2);
            }
            int k = size++;
            while (k > 0) {
                int parent = (k - 1) / 2;
                if (!less(r, p, rank[parent], pos[parent])) {
                    break;
                }
                set(k, rank[parent], pos[parent], id[parent]);
                k = parent;
            }
            set(k, r, p, i);
        }

        int topPos() {
            return pos[0];
        }

        int topId() {
            return id[0];
        }

        void pop() {
            size--;
            if (size == 0) {
                return;
            }
            int r = rank[size];
            int p = pos[size];
            int i = id[size];
            int k = 0;
            while (true) {
                int child = 2 * k + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && less(rank[child + 1], pos[child + 1], rank[child], pos[child])) {
                    child++;
                }
                if (!less(rank[child], pos[child], r, p)) {
                    break;
                }
                set(k, rank[child], pos[child], id[child]);
                k = child;
            }
            set(k, r, p, i);
        }

        private static boolean less(int r1, int p1, int r2, int p2) {
            return r1 != r2 ? r1 < r2 : p1 < p2;
        }

        private void set(int k, int r, int p, int i) {
            rank[k] = r;
            pos[k] = p;
            id[k] = i;
        }
    }
}
