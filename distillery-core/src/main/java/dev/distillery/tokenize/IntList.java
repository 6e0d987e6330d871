package dev.distillery.tokenize;

import java.util.Arrays;

/** A growable int array, so encoding a text does not box every id. */
final class IntList {
    private int[] values = new int[32];
    private int size;

    void add(int value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = value;
    }

    int get(int i) {
        return values[i];
    }

    int size() {
        return size;
    }

    void set(int i, int value) {
        values[i] = value;
    }

    void truncate(int newSize) {
        size = newSize;
    }

    int[] toArray(int from, int to) {
        return Arrays.copyOfRange(values, from, to);
    }
}
