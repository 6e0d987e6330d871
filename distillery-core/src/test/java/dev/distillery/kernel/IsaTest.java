package dev.distillery.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** How the instruction set is detected, forced and reported. */
class IsaTest {
    @Test
    void detectionFollowsTheWidestVectorTheJvmCompiles() {
        assertEquals(Isa.AVX512, Isa.detect(512));
        assertEquals(Isa.AVX2, Isa.detect(256));
        assertEquals(Isa.SCALAR, Isa.detect(128));
        // Surefire starts the JVM with the vector module: the detected set is the preferred vector's width.
        assertEquals(Isa.detect(FloatVector.SPECIES_PREFERRED.vectorBitSize()), Isa.detected());
    }

    /** The pom's second kernel-test run limits the JVM to AVX2; this fails if the flag did not take. */
    @Test
    void aJvmLimitedToAvx2OffersAt256Bits() {
        int max = Integer.getInteger("distillery.test.maxVectorBits", Integer.MAX_VALUE);
        assertTrue(FloatVector.SPECIES_PREFERRED.vectorBitSize() <= max, "the JVM offers "
                + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit vectors; -XX:UseAVX=2 should have limited them to "
                + max);
        assertTrue(Isa.chosen().bits() <= max, "chosen " + Isa.chosen());
    }

    @Test
    void forcingPicksANarrowerSetAndRefusesAWiderOne() {
        assertEquals(Isa.AVX512, Isa.parse("auto", Isa.AVX512));
        assertEquals(Isa.AVX2, Isa.parse("AVX2", Isa.AVX512));
        assertEquals(Isa.SCALAR, Isa.parse(" scalar", Isa.AVX2));
        IllegalArgumentException wider = assertThrows(IllegalArgumentException.class, () -> Isa.parse("avx512", Isa.AVX2));
        assertTrue(wider.getMessage().contains("512-bit"), wider.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Isa.parse("gpu", Isa.AVX2));
        assertTrue(unknown.getMessage().contains("auto, scalar, avx2 or avx512"), unknown.getMessage());
    }

    @Test
    void theProviderRunsTheChosenSetAndSaysSo() {
        Kernels k = KernelProvider.get();
        assertEquals(Isa.chosen(), k.isa());
        if (Isa.chosen() == Isa.SCALAR) {
            assertInstanceOf(ScalarKernels.class, k);
        } else {
            assertInstanceOf(VectorKernels.class, k);
        }
        String forced = System.getProperty(Isa.PROPERTY, "auto");
        assertEquals(Isa.parse(forced, Isa.detected()), Isa.chosen(), "-D" + Isa.PROPERTY + "=" + forced);
        assertEquals(Isa.chosen().id() + " (fp32 tile " + k.gemm().tile() + ")", KernelProvider.describe());
        assertEquals(Isa.chosen() == Isa.AVX2 ? 256 : FloatVector.SPECIES_PREFERRED.vectorBitSize(),
                VectorKernels.species().vectorBitSize(), "the row kernels' width follows the chosen set");
    }

    @Test
    void everySetHasItsOwnTile() {
        assertEquals("4x16", Gemm.of(Isa.SCALAR).tile());
        assertEquals("6x16", Gemm.of(Isa.AVX2).tile());
        assertEquals(Avx512MicroKernel.CHOSEN_ROWS + "x48", Gemm.of(Isa.AVX512).tile());
        assertEquals(Isa.AVX2, new VectorKernels(Isa.AVX2).isa());
        assertThrows(IllegalArgumentException.class, () -> new VectorKernels(Isa.SCALAR));
    }

    @Test
    void theAvx512TileFollowsHowTheCpuIssues512BitFmas() {
        CpuInfo zen4 = CpuInfo.parse(List.of("processor\t: 0", "vendor_id\t: AuthenticAMD", "cpu family\t: 25",
                "model\t\t: 17", "", "processor\t: 1", "vendor_id\t: Other", "cpu family\t: 6"));
        assertEquals(new CpuInfo("AuthenticAMD", 25), zen4);
        CpuInfo xeon = CpuInfo.parse(List.of("processor : 0", "vendor_id : GenuineIntel", "cpu family : 6"));
        CpuInfo zen5 = new CpuInfo("AuthenticAMD", 26);
        assertEquals(4, Avx512MicroKernel.rowsFor("auto", zen4));
        assertEquals(8, Avx512MicroKernel.rowsFor("auto", xeon));
        assertEquals(8, Avx512MicroKernel.rowsFor("auto", zen5));
        assertEquals(8, Avx512MicroKernel.rowsFor("auto", CpuInfo.parse(List.of("garbage", "cpu family : x"))));
        assertEquals(8, Avx512MicroKernel.rowsFor(" 8 ", zen4));
        assertEquals(4, Avx512MicroKernel.rowsFor("4", xeon));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Avx512MicroKernel.rowsFor("6", xeon));
        assertTrue(e.getMessage().contains("auto, 8 or 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Avx512MicroKernel(6));
    }
}
