package dev.distillery.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LengthBatchesTest {
    private static int[] lengths(int n) {
        Random r = new Random(3);
        int[] l = new int[n];
        for (int i = 0; i < n; i++) {
            l[i] = 4 + (int) Math.min(250, Math.abs(r.nextGaussian() * 40 + 30));
        }
        return l;
    }

    @Test
    void everyIndexOnceAndOnlyTheLastBatchShort() {
        int[] l = lengths(1003);
        List<int[]> batches = LengthBatches.of(l, 16, 4, 9);
        int[] all = batches.stream().flatMapToInt(Arrays::stream).sorted().toArray();
        int[] expected = new int[l.length];
        Arrays.setAll(expected, i -> i);
        assertArrayEquals(expected, all);
        for (int b = 0; b < batches.size() - 1; b++) {
            assertEquals(16, batches.get(b).length);
        }
        assertEquals(1003 % 16, batches.getLast().length);
    }

    @Test
    void deterministicForASeedAndDifferentForAnother() {
        int[] l = lengths(500);
        List<int[]> a = LengthBatches.of(l, 8, 7);
        List<int[]> b = LengthBatches.of(l, 8, 7);
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i));
        }
        List<int[]> c = LengthBatches.of(l, 8, 8);
        assertTrue(!Arrays.equals(a.get(0), c.get(0)) || !Arrays.equals(a.get(1), c.get(1)));
    }

    @Test
    void paddingIsFarBelowRandomBatching() {
        int[] l = lengths(2000);
        long grouped = LengthBatches.paddingTokens(l, LengthBatches.of(l, 32, 11));
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < l.length; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(11));
        List<int[]> random = new ArrayList<>();
        for (int k = 0; k < order.size(); k += 32) {
            random.add(order.subList(k, Math.min(order.size(), k + 32)).stream().mapToInt(Integer::intValue).toArray());
        }
        long shuffled = LengthBatches.paddingTokens(l, random);
        // sorting 50-batch buckets leaves only neighbouring lengths in a batch: expect well under a tenth
        assertTrue(grouped * 10 < shuffled, "grouped padding " + grouped + " vs random " + shuffled);
    }

    @Test
    void tinyExample() {
        List<int[]> b = LengthBatches.of(new int[] {5, 1, 5, 1}, 2, 1);
        assertEquals(2, b.size());
        for (int[] batch : b) {
            Arrays.sort(batch);
        }
        b.sort((x, y) -> Integer.compare(x[0], y[0]));
        assertArrayEquals(new int[] {0, 2}, b.get(0));
        assertArrayEquals(new int[] {1, 3}, b.get(1));
        assertEquals(0, LengthBatches.paddingTokens(new int[] {5, 1, 5, 1}, b));
    }
}
