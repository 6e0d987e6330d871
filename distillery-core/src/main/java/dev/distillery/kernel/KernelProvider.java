package dev.distillery.kernel;

/**
 * Chooses the {@link Kernels} implementation once per process, from the instruction set
 * {@link Isa#chosen()} names: {@link VectorKernels} over the AVX-512 or AVX2 micro-kernel, or
 * {@link ScalarKernels} (forced with {@code -Ddistillery.kernels=scalar}, or when the JVM was
 * started without {@code --add-modules jdk.incubator.vector}).
 */
public final class KernelProvider {
    private static final Kernels INSTANCE = Isa.chosen() == Isa.SCALAR ? new ScalarKernels()
            : new VectorKernels(Isa.chosen());

    private KernelProvider() {
    }

    public static Kernels get() {
        return INSTANCE;
    }

    /**
     * What runs, for reports and provenance: the instruction set and the micro-kernel's tile, for
     * example {@code avx512 (fp32 tile 8x48)}.
     */
    public static String describe() {
        Gemm g = INSTANCE.gemm();
        return g.isa().id() + " (fp32 tile " + g.tile() + ")";
    }
}
