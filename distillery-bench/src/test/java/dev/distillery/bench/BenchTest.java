package dev.distillery.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.distillery.model.EncoderInput;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchTest {
    private static EncoderInput input(int batch, int seqLen, int fill) {
        int[] ids = new int[batch * seqLen];
        java.util.Arrays.fill(ids, fill);
        int[] mask = new int[ids.length];
        java.util.Arrays.fill(mask, 1);
        return new EncoderInput(batch, seqLen, ids, new int[ids.length], mask);
    }

    @Test
    void enginesAlternateOrderAndSeeTheSameInputs() throws Exception {
        List<EncoderInput> seenByDistillery = new ArrayList<>();
        List<EncoderInput> seenByPeer = new ArrayList<>();
        List<EncoderInput> batches = List.of(input(4, 8, 1), input(4, 8, 2));
        List<EncoderInput> singles = List.of(input(1, 8, 3), input(1, 8, 4), input(1, 8, 5));
        Bench bench = new Bench(seenByDistillery::add, seenByPeer::add, batches, singles, 0, 2);
        BenchResult result = bench.run();

        assertEquals(seenByDistillery, seenByPeer);
        // A zero budget runs the minimum: warm-up rounds alternate batch and single, then each phase.
        String warmUp = "DPDP" + "PDPD" + "DPDP";
        String throughput = "DP" + "PD" + "DP";
        assertEquals(warmUp + throughput + throughput, bench.trace());
        assertEquals(Bench.MIN_ROUNDS, result.throughputCalls());
        assertEquals(Bench.MIN_ROUNDS, result.latencyCalls());
        assertEquals(4, result.throughputBatch());
        assertEquals(8, result.seqLen());
    }

    @Test
    void withoutPeerOnlyDistilleryRunsAndRatiosAreAbsent() throws Exception {
        List<EncoderInput> seen = new ArrayList<>();
        BenchResult result = new Bench(seen::add, null, List.of(input(2, 4, 1)), List.of(input(1, 4, 1)), 0, 1).run();
        assertEquals(4 * Bench.MIN_ROUNDS, seen.size());
        assertNull(result.ortSeqPerSec());
        assertNull(result.throughputRatio());
        assertNull(result.latencyRatio());
    }

    @Test
    void latencyInputsMustBeSingleSequencesOfTheBatchLength() {
        assertThrows(IllegalArgumentException.class,
                () -> new Bench(x -> { }, null, List.of(input(2, 4, 1)), List.of(input(1, 5, 1)), 0, 1));
    }

    @Test
    void summaryStatistics() {
        assertEquals(2.0, Bench.medianMillis(List.of(3_000_000L, 1_000_000L, 2_000_000L)), 1e-12);
        assertEquals(2.5, Bench.medianMillis(List.of(4_000_000L, 1_000_000L, 2_000_000L, 3_000_000L)), 1e-12);
        // Two calls of 32 sequences in 0.5 s each: 64 sequences per second.
        assertEquals(64.0, Bench.seqPerSec(List.of(500_000_000L, 500_000_000L), 32), 1e-9);
    }
}
