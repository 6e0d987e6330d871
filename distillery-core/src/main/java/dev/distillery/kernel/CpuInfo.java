package dev.distillery.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The CPU's vendor and family as Linux reports them in {@code /proc/cpuinfo}, for the one choice
 * the JVM's vector shape cannot tell: how many 512-bit FMAs a core issues per cycle
 * ({@link Avx512MicroKernel}). Elsewhere, or when the file cannot be read, both are unknown and
 * the defaults apply.
 *
 * @param vendor {@code vendor_id}, for example {@code GenuineIntel} or {@code AuthenticAMD}; empty when unknown
 * @param family {@code cpu family}; −1 when unknown
 */
record CpuInfo(String vendor, int family) {
    static final CpuInfo UNKNOWN = new CpuInfo("", -1);

    static CpuInfo read() {
        // Read lazily: parsing stops at the first processor's block, and the file lists every core.
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
            return parse(lines::iterator);
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
    }

    /** The first processor's entries of a {@code /proc/cpuinfo} listing. */
    static CpuInfo parse(Iterable<String> lines) {
        String vendor = "";
        int family = -1;
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (line.isBlank() && (!vendor.isEmpty() || family >= 0)) {
                break; // the end of the first processor's block
            }
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            if (key.equals("vendor_id")) {
                vendor = value;
            } else if (key.equals("cpu family")) {
                try {
                    family = Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    family = -1;
                }
            }
        }
        return new CpuInfo(vendor, family);
    }
}
