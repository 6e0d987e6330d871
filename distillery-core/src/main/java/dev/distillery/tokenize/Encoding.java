package dev.distillery.tokenize;

import java.util.Arrays;

/**
 * One encoded text, special tokens included, unpadded: all arrays have the same length. Arrays compare by identity
 * under the record's {@code equals}; compare {@link #ids()} with {@link Arrays#equals(int[], int[])}.
 *
 * @param tokens the vocabulary spelling of each id, e.g. [[CLS], hello, ##s, [SEP]]
 * @param typeIds segment ids from the template (all zero for a single text)
 * @param attentionMask all ones; kept so an encoding can be handed on as a model input directly
 */
public record Encoding(String[] tokens, int[] ids, int[] typeIds, int[] attentionMask) {
    public Encoding {
        if (tokens.length != ids.length || typeIds.length != ids.length || attentionMask.length != ids.length) {
            throw new IllegalArgumentException("encoding arrays differ in length: tokens " + tokens.length + ", ids "
                    + ids.length + ", type ids " + typeIds.length + ", mask " + attentionMask.length);
        }
    }

    public int length() {
        return ids.length;
    }

    @Override
    public String toString() {
        return "Encoding" + Arrays.toString(tokens);
    }
}
