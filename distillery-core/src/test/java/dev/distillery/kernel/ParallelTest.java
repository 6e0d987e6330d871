package dev.distillery.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

/** The shared team: every index exactly once, failures surfaced, nesting and concurrent callers safe. */
class ParallelTest {

    private static int[] visits(int count) {
        AtomicIntegerArray seen = new AtomicIntegerArray(count);
        Parallel.forRange(count, (from, to) -> {
            for (int i = from; i < to; i++) {
                seen.incrementAndGet(i);
            }
        });
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = seen.get(i);
        }
        return out;
    }

    private static int[] ones(int count) {
        int[] ones = new int[count];
        java.util.Arrays.fill(ones, 1);
        return ones;
    }

    @Test
    void everyIndexRunsExactlyOnce() {
        // Counts below, at and far above the number of pieces, repeated so that workers are caught
        // both spinning and parked.
        for (int repeat = 0; repeat < 50; repeat++) {
            for (int count : new int[] {0, 1, 2, 3, 7, 16, 17, 100, 4099}) {
                assertArrayEquals(ones(count), visits(count), "count " + count);
            }
        }
    }

    @Test
    void aFailingPieceIsRethrownAndTheTeamStaysUsable() {
        IllegalStateException boom = new IllegalStateException("piece failed");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> Parallel.forRange(64, (from, to) -> {
            if (from <= 40 && 40 < to) {
                throw boom;
            }
        }));
        assertSame(boom, thrown);
        assertArrayEquals(ones(1000), visits(1000));
    }

    @Test
    void nestedLoopsRunInline() {
        int outer = 8;
        int inner = 50;
        AtomicIntegerArray seen = new AtomicIntegerArray(outer * inner);
        Parallel.forRange(outer, (from, to) -> {
            for (int o = from; o < to; o++) {
                int base = o * inner;
                Parallel.forRange(inner, (f, t) -> {
                    for (int i = f; i < t; i++) {
                        seen.incrementAndGet(base + i);
                    }
                });
            }
        });
        for (int i = 0; i < outer * inner; i++) {
            assertEquals(1, seen.get(i), "element " + i);
        }
    }

    @Test
    void concurrentCallersEachGetTheirWholeLoop() throws Exception {
        try (ExecutorService callers = Executors.newFixedThreadPool(4)) {
            List<Future<int[]>> results = new ArrayList<>();
            for (int c = 0; c < 16; c++) {
                int count = 500 + c * 37;
                results.add(callers.submit(() -> visits(count)));
            }
            for (int c = 0; c < results.size(); c++) {
                assertArrayEquals(ones(500 + c * 37), results.get(c).get(), "caller " + c);
            }
        }
    }
}
