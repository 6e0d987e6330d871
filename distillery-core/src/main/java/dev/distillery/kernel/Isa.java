package dev.distillery.kernel;

import java.util.Locale;

/**
 * The instruction sets Distillery has micro-kernels for, named as x86 names them; on other CPUs
 * the same kernels run on whatever vectors of that width the JVM offers.
 *
 * <p>The choice is made once per process, from the widest float vector the JVM compiles to
 * ({@code FloatVector.SPECIES_PREFERRED}): 512 bits gives {@link #AVX512}, 256 bits {@link #AVX2},
 * anything narrower (or a JVM started without {@code --add-modules jdk.incubator.vector}) the
 * {@link #SCALAR} twin. {@code -Ddistillery.kernels=scalar|avx2|avx512} forces one (and
 * {@code auto}, the default, detects); forcing a width the JVM does not compile to is refused,
 * since its vectors would run emulated, hundreds of times slower. On an AVX-512 machine the JVM
 * flag {@code -XX:UseAVX=2} makes the JVM itself offer 256 bits, which is how the 256-bit path is
 * tested there.
 */
public enum Isa {
    /** Plain Java loops: the twin every vector micro-kernel is proven against. */
    SCALAR("scalar", 0, 0),
    /** 256-bit vectors and 16 vector registers (AVX2 with FMA). */
    AVX2("avx2", 256, 16),
    /** 512-bit vectors and 32 vector registers (AVX-512F). */
    AVX512("avx512", 512, 32);

    /** The system property that forces an instruction set. */
    public static final String PROPERTY = "distillery.kernels";

    private final String id;
    private final int bits;
    private final int registers;

    Isa(String id, int bits, int registers) {
        this.id = id;
        this.bits = bits;
        this.registers = registers;
    }

    /** The name used on the command line, in JSON and in provenance: scalar, avx2, avx512. */
    public String id() {
        return id;
    }

    /** Vector width in bits; 0 for {@link #SCALAR}. */
    public int bits() {
        return bits;
    }

    /** Vector registers the micro-kernel is laid out for; 0 for {@link #SCALAR}. */
    public int registers() {
        return registers;
    }

    /** The instruction set this process runs, chosen once: see the class comment. */
    public static Isa chosen() {
        return Chosen.ISA;
    }

    /** The widest instruction set this JVM compiles vectors for, ignoring any forcing. */
    public static Isa detected() {
        return detect(vectorModuleLoaded() ? preferredBits() : 0);
    }

    static Isa detect(int preferredBits) {
        return preferredBits >= 512 ? AVX512 : preferredBits >= 256 ? AVX2 : SCALAR;
    }

    /** The instruction set a value of {@link #PROPERTY} names; {@code auto} is {@code detected}. */
    public static Isa parse(String value, Isa detected) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (v.equals("auto")) {
            return detected;
        }
        for (Isa isa : values()) {
            if (isa.id.equals(v)) {
                if (isa.bits > detected.bits) {
                    throw new IllegalArgumentException("kernels '" + v + "' need " + isa.bits
                            + "-bit vectors, but this JVM compiles vectors of at most " + detected.bits
                            + " bits here (" + detected.id + "); use auto, scalar"
                            + (detected == AVX512 ? ", avx2 or avx512" : detected == AVX2 ? " or avx2" : ""));
                }
                return isa;
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not a kernel set; use auto, scalar, avx2 or avx512");
    }

    static boolean vectorModuleLoaded() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** Only called when the vector module is loaded: the class reference would fail otherwise. */
    private static int preferredBits() {
        return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }

    /** Holds the choice apart from the enum, so reading a constant never triggers detection. */
    private static final class Chosen {
        static final Isa ISA = choose();

        private static Isa choose() {
            boolean loaded = vectorModuleLoaded();
            String forced = System.getProperty(PROPERTY, "auto");
            if (!loaded && !forced.strip().equalsIgnoreCase("scalar")) {
                System.err.println("distillery: jdk.incubator.vector is not loaded (start the JVM with "
                        + "--add-modules jdk.incubator.vector); using the slower scalar kernels");
                return SCALAR;
            }
            return parse(forced, detect(loaded ? preferredBits() : 0));
        }
    }
}
