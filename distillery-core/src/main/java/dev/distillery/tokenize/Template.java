package dev.distillery.tokenize;

import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The single-text post-processing of a tokenizer, with its truncation and padding: the special
 * ids a template puts around the text (Hugging Face's {@code TemplateProcessing}, or [CLS] and
 * [SEP] for BERT, or BOS for Llama), each slot with its type id. Shared by every tokenizer so that
 * truncation keeps the special tokens and batches pad alike.
 */
final class Template {
    private final int[][] slots; // [slot][], null for the text
    private final int[] typeIds; // [slot]
    private final int specialCount;

    /** @param slots the special ids of each slot, null for the one slot holding the text */
    Template(List<int[]> slots, List<Integer> typeIds) {
        if (slots.size() != typeIds.size() || slots.stream().filter(s -> s == null).count() != 1) {
            throw new IllegalArgumentException("a single-text template must hold the text exactly once, with one type id"
                    + " per slot");
        }
        this.slots = slots.stream().map(s -> s == null ? null : s.clone()).toArray(int[][]::new);
        this.typeIds = typeIds.stream().mapToInt(Integer::intValue).toArray();
        int n = 0;
        for (int[] s : this.slots) {
            n += s == null ? 0 : s.length;
        }
        this.specialCount = n;
    }

    /** The text alone, type id 0. */
    static Template textOnly() {
        return new Template(java.util.Collections.singletonList(null), List.of(0));
    }

    int specialCount() {
        return specialCount;
    }

    /** The special ids before the text. */
    int[] prefix() {
        IntList out = new IntList();
        for (int[] s : slots) {
            if (s == null) {
                break;
            }
            for (int id : s) {
                out.add(id);
            }
        }
        return out.toArray(0, out.size());
    }

    /** The special ids after the text. */
    int[] suffix() {
        IntList out = new IntList();
        boolean afterText = false;
        for (int[] s : slots) {
            if (s == null) {
                afterText = true;
            } else if (afterText) {
                for (int id : s) {
                    out.add(id);
                }
            }
        }
        return out.toArray(0, out.size());
    }

    /**
     * The encoding of the text's {@code pieces} inside the template, the pieces cut (from the
     * left if {@code truncateLeft}) so that the whole fits {@code maxLength} with every special id.
     */
    Encoding assemble(IntList pieces, int maxLength, boolean truncateLeft, IntFunction<String> tokenOf) {
        if (maxLength < specialCount) {
            throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room for the " + specialCount
                    + " special tokens of the template");
        }
        int room = maxLength == Tokenizer.NO_TRUNCATION ? Integer.MAX_VALUE : maxLength - specialCount;
        int from = 0;
        int to = pieces.size();
        if (to > room) {
            if (truncateLeft) {
                from = to - room;
            } else {
                to = room;
            }
        }
        int length = specialCount + (to - from);
        int[] ids = new int[length];
        int[] types = new int[length];
        int[] mask = new int[length];
        Arrays.fill(mask, 1);
        int at = 0;
        for (int s = 0; s < slots.length; s++) {
            int[] special = slots[s];
            int n = special == null ? to - from : special.length;
            for (int k = 0; k < n; k++) {
                ids[at] = special == null ? pieces.get(from + k) : special[k];
                types[at++] = typeIds[s];
            }
        }
        String[] tokens = new String[length];
        for (int i = 0; i < length; i++) {
            tokens[i] = tokenOf.apply(ids[i]);
        }
        return new Encoding(tokens, ids, types, mask);
    }

    /**
     * The encodings padded to the longest (rounded up to a multiple of {@code padToMultipleOf} when
     * positive) with {@code padId}, {@code padTypeId} and mask 0, on the left or the right.
     */
    static Batch pad(Encoding[] encodings, int padId, int padTypeId, boolean padLeft, int padToMultipleOf) {
        int seqLen = 0;
        for (Encoding e : encodings) {
            seqLen = Math.max(seqLen, e.length());
        }
        if (padToMultipleOf > 0 && seqLen % padToMultipleOf != 0) {
            seqLen += padToMultipleOf - seqLen % padToMultipleOf;
        }
        int[] ids = new int[encodings.length * seqLen]; // [batch, seqLen]
        int[] typeIds = new int[ids.length]; // [batch, seqLen]
        int[] mask = new int[ids.length]; // [batch, seqLen]
        for (int b = 0; b < encodings.length; b++) {
            Encoding e = encodings[b];
            int row = b * seqLen;
            int pad = seqLen - e.length();
            int textAt = padLeft ? row + pad : row;
            int padAt = padLeft ? row : row + e.length();
            System.arraycopy(e.ids(), 0, ids, textAt, e.length());
            System.arraycopy(e.typeIds(), 0, typeIds, textAt, e.length());
            System.arraycopy(e.attentionMask(), 0, mask, textAt, e.length());
            Arrays.fill(ids, padAt, padAt + pad, padId);
            Arrays.fill(typeIds, padAt, padAt + pad, padTypeId);
        }
        return new Batch(encodings.length, seqLen, ids, typeIds, mask);
    }
}
