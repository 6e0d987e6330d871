package dev.distillery.classify;

import dev.distillery.kernel.KernelProvider;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * How a saved model was made. The platform fields are there because FMA, vector width and thread
 * count move the low bits of trained weights: a run repeats bit for bit only on the same platform.
 *
 * @param command    the command line that made the model
 * @param createdUtc ISO-8601 instant the model was saved
 * @param options    every training option by name, as given or defaulted
 * @param cpu        CPU model, logical processors, the SIMD features that change arithmetic, and the kernels used
 */
public record Provenance(String command, String createdUtc, List<DataFile> data, Map<String, String> options, long seed,
                         String jdk, String os, String cpu) {
    public Provenance {
        data = List.copyOf(data);
        options = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** A record of this process's platform for a run of {@code command} on {@code data} now. */
    public static Provenance ofThisPlatform(String command, List<DataFile> data, Map<String, String> options, long seed) {
        return new Provenance(command, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), data, options, seed,
                Runtime.version() + " (" + System.getProperty("java.vendor", "?") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                cpuDescription());
    }

    static String cpuDescription() {
        String model = "unknown CPU";
        TreeSet<String> features = new TreeSet<>();
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo)) {
            try {
                for (String line : Files.readAllLines(cpuinfo)) {
                    if (line.startsWith("model name") && model.equals("unknown CPU")) {
                        model = line.substring(line.indexOf(':') + 1).strip();
                    } else if (line.startsWith("flags") && features.isEmpty()) {
                        for (String f : line.substring(line.indexOf(':') + 1).strip().split("\\s+")) {
                            if (f.equals("fma") || f.equals("avx2") || f.startsWith("avx512") || f.equals("asimd")) {
                                features.add(f);
                            }
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // provenance is best effort: an unreadable /proc leaves the CPU unnamed
            }
        }
        return model + ", " + Runtime.getRuntime().availableProcessors() + " logical processors, features "
                + features + ", kernels " + KernelProvider.describe();
    }
}
