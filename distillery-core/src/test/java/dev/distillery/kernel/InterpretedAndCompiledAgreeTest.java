package dev.distillery.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Seeded training must give the same model whether a batch ran before or after the JIT compiled
 * the kernels (a resumed run executes its first steps interpreted again). This compares the
 * output bits of the vector kernels in a JVM that only interprets with those of this JVM after
 * the kernels have been compiled.
 */
class InterpretedAndCompiledAgreeTest {
    @Test
    void vectorKernelsGiveTheSameBitsInterpretedAndCompiled() throws IOException, InterruptedException {
        VectorKernels kernels = new VectorKernels();
        int compiled = 0;
        for (int i = 0; i < 3000; i++) {
            compiled = KernelDigest.digest(kernels);
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        // The child runs the same instruction set: the vector width follows this JVM's flags and properties.
        List<String> command = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-Xint"));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-XX:UseAVX") || arg.equals("-XX:+IgnoreUnrecognizedVMOptions")
                    || arg.startsWith("-D" + Isa.PROPERTY + "=")) {
                command.add(arg);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), KernelDigest.class.getName()));
        Process child = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!child.waitFor(120, TimeUnit.SECONDS)) {
            child.destroyForcibly();
        }
        assertEquals(0, child.exitValue(), "the interpreted JVM failed; it printed: " + out);
        assertEquals(compiled, Integer.parseInt(out), "vector kernels give other bits interpreted than compiled");
    }
}
