package dev.distillery.eval;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Peak memory of a piece of work in this JVM. Model weights, packed low-bit ones included, live on
 * the Java heap, so the heap is what a model's footprint is read from:
 * {@link #heapPeakBytes()} sums every heap pool's peak use since {@link #start()}, which ran
 * {@code System.gc()} and reset the peaks first (an upper bound, since pools peak at different
 * moments, and garbage not yet collected counts). {@link #processPeakRssBytes()} is the process's
 * peak resident set from Linux ({@code VmHWM}), JVM and heap reservation included.
 * <pre>{@code
 * MemoryPeak m = MemoryPeak.start();
 * ... load and run a model ...
 * m.heapPeakBytes();
 * }</pre>
 */
public final class MemoryPeak {
    private final List<MemoryPoolMXBean> heap;

    private MemoryPeak(List<MemoryPoolMXBean> heap) {
        this.heap = heap;
    }

    /** Collects garbage and resets the heap pools' peaks. */
    public static MemoryPeak start() {
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isValid()).toList();
        System.gc(); // so garbage from before is not counted in this peak
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        return new MemoryPeak(heap);
    }

    /** Sum over heap pools of their peak use since {@link #start()}. */
    public long heapPeakBytes() {
        return heap.stream().mapToLong(p -> p.getPeakUsage() == null ? 0 : p.getPeakUsage().getUsed()).sum();
    }

    /** The process's peak resident set size since it started, or −1 where /proc/self/status does not say. */
    public static long processPeakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024; // reported in kB
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** How the figures are measured, in a sentence for reports. */
    public static String method() {
        return "peak heap = sum of the heap pools' peak use after System.gc() and a peak reset, from loading the model to "
                + "the end of the run (garbage included); peak RSS = the process's VmHWM";
    }
}
