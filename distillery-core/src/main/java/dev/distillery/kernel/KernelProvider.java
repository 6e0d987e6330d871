package dev.distillery.kernel;

/**
 * Chooses the {@link Kernels} implementation once per process: {@link VectorKernels} by default,
 * {@link ScalarKernels} with {@code -Ddistillery.kernels=scalar}, or when the JVM was started
 * without {@code --add-modules jdk.incubator.vector} (with a one-line warning on stderr).
 */
public final class KernelProvider {
    private static final Kernels INSTANCE = choose(System.getProperty("distillery.kernels", "vector"),
            ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());

    private KernelProvider() {
    }

    public static Kernels get() {
        return INSTANCE;
    }

    static Kernels choose(String forced, boolean vectorModuleLoaded) {
        if (forced.equals("scalar")) {
            return new ScalarKernels();
        }
        if (!forced.equals("vector")) {
            throw new IllegalArgumentException("-Ddistillery.kernels=" + forced
                    + " is not a kernel implementation; use 'vector' or 'scalar'");
        }
        if (!vectorModuleLoaded) {
            System.err.println("distillery: jdk.incubator.vector is not loaded (start the JVM with "
                    + "--add-modules jdk.incubator.vector); using the slower scalar kernels");
            return new ScalarKernels();
        }
        return new VectorKernels();
    }
}
