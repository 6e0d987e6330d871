package dev.distillery.tokenize;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * SentencePiece-style BPE by piece score (Kudo and Richardson 2018, "SentencePiece"), as llama2.c's
 * {@code encode} and llama.cpp's SPM tokenizer run it: each character becomes its piece, or its
 * UTF-8 bytes as byte pieces {@code <0xNN>} when it has none (the unknown piece when those are
 * missing too); then, while some adjacent pair concatenates to a piece, the pair whose piece has the
 * highest score is merged, the leftmost on a tie. A priority queue with stale entries skipped gives
 * the same merges as llama2.c's rescan of the whole sequence after each merge.
 */
final class ScoredBpe implements SubwordModel {
    private final TokenTable vocab;
    private final float[] scores; // [vocab]
    private final int unkId;
    private final int[] byteIds = new int[256]; // id of <0xNN>, or -1

    ScoredBpe(TokenTable vocab, float[] scores, int unkId) {
        this.vocab = vocab;
        this.scores = scores;
        this.unkId = unkId;
        for (int b = 0; b < 256; b++) {
            byteIds[b] = vocab.id(String.format("<0x%02X>", b));
        }
    }

    private record Candidate(float score, int left, int right, int leftId, int rightId, int merged)
            implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate o) {
            int byScore = Float.compare(o.score, score);
            return byScore != 0 ? byScore : Integer.compare(left, o.left);
        }
    }

    @Override
    public void tokenize(String piece, IntList out) {
        IntList initial = new IntList();
        for (int i = 0; i < piece.length(); ) {
            int cp = piece.codePointAt(i);
            int end = i + Character.charCount(cp);
            int id = vocab.id(piece.substring(i, end));
            i = end;
            if (id >= 0) {
                initial.add(id);
                continue;
            }
            for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                int byteId = byteIds[b & 0xFF];
                initial.add(byteId >= 0 ? byteId : unkId);
            }
        }
        int n = initial.size();
        int[] ids = initial.toArray(0, n);
        int[] next = new int[n];
        int[] prev = new int[n];
        boolean[] gone = new boolean[n];
        PriorityQueue<Candidate> queue = new PriorityQueue<>();
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, ids, i, i + 1);
        }
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            if (gone[c.left] || gone[c.right] || next[c.left] != c.right || ids[c.left] != c.leftId
                    || ids[c.right] != c.rightId) {
                continue;
            }
            ids[c.left] = c.merged;
            gone[c.right] = true;
            next[c.left] = next[c.right];
            if (next[c.right] >= 0) {
                prev[next[c.right]] = c.left;
            }
            if (prev[c.left] >= 0) {
                offer(queue, ids, prev[c.left], c.left);
            }
            if (next[c.left] >= 0) {
                offer(queue, ids, c.left, next[c.left]);
            }
        }
        for (int i = 0; i < n; i++) {
            if (!gone[i] && ids[i] >= 0) {
                out.add(ids[i]);
            }
        }
    }

    private void offer(PriorityQueue<Candidate> queue, int[] ids, int left, int right) {
        String a = vocab.token(ids[left]);
        String b = vocab.token(ids[right]);
        if (a == null || b == null) {
            return;
        }
        int merged = vocab.id(a + b);
        if (merged >= 0) {
            queue.add(new Candidate(scores[merged], left, right, ids[left], ids[right], merged));
        }
    }
}
