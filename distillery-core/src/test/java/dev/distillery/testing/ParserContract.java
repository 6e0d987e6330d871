package dev.distillery.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every fuzz target asserts of the parser it drives: any bytes give either a result or the parser's one
 * exception type, whose message is one line naming the file. Any other exception fails the target; an
 * {@link Error} (OutOfMemoryError, StackOverflowError) passes through and fails it too, and a hang is caught by
 * libFuzzer's per-input timeout.
 *
 * <pre>{@code
 * @FuzzTest
 * void configJson(byte[] bytes) {
 *     Path file = ParserContract.file("config.json", bytes);
 *     ParserContract.check(CheckpointFormatException.class, file, () -> HfConfig.read(file));
 * }
 * }</pre>
 */
public final class ParserContract {
    private static final Path SCRATCH = scratchDir();
    private static final Set<String> NAMES = ConcurrentHashMap.newKeySet();

    private ParserContract() {
    }

    /** The work of one fuzz input; may return a result, which is ignored. */
    @FunctionalInterface
    public interface Parse {
        void run() throws Exception;
    }

    /**
     * Runs {@code parse} and accepts success or {@code expected} with a one-line message naming {@code file}.
     *
     * @throws AssertionError for any other outcome, with the exception as its cause
     */
    public static void check(Class<? extends Exception> expected, Path file, Parse parse) {
        check(expected, file.toString(), parse);
    }

    /** As {@link #check(Class, Path, Parse)} for a source named by a string (a request, a recipe). */
    public static void check(Class<? extends Exception> expected, String source, Parse parse) {
        try {
            parse.run();
        } catch (Exception e) {
            if (!expected.isInstance(e)) {
                throw new AssertionError("threw " + e.getClass().getName() + " instead of " + expected.getSimpleName()
                        + ": " + e.getMessage(), e);
            }
            String message = e.getMessage();
            if (message == null || !message.contains(source)) {
                throw new AssertionError("the message does not name " + source + ": " + message, e);
            }
            if (message.contains("\n") || message.contains("\r")) {
                throw new AssertionError("the message is not one line: " + message, e);
            }
        }
    }

    /**
     * {@code bytes} written to a file called {@code name} in a scratch folder of this JVM (in memory under
     * /dev/shm where there is one, since a fuzz run writes thousands of files a second); the same path each call.
     */
    public static Path file(String name, byte[] bytes) {
        Path file = SCRATCH.resolve(name);
        if (NAMES.add(name)) {
            file.toFile().deleteOnExit(); // before the folder's own deleteOnExit runs, which needs it empty
        }
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /**
     * A committed input of a fuzz target: {@code <TestClass>Inputs/<method>/<name>} beside the test class, where
     * Jazzer also reads it as a seed and writes what it finds.
     */
    public static byte[] input(Class<?> testClass, String method, String name) {
        String resource = testClass.getSimpleName() + "Inputs/" + method + "/" + name;
        try (InputStream in = testClass.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no resource " + resource + " beside " + testClass.getName());
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The message of what {@code parse} throws, after checking it is {@code expected} and names {@code source}. */
    public static String message(Class<? extends Exception> expected, String source, Parse parse) {
        check(expected, source, parse);
        try {
            parse.run();
        } catch (Exception e) {
            return e.getMessage();
        }
        throw new AssertionError("parsing succeeded: expected " + expected.getSimpleName());
    }

    private static Path scratchDir() {
        try {
            Path shm = Path.of("/dev/shm");
            Path dir = Files.isDirectory(shm) && Files.isWritable(shm)
                    ? Files.createTempDirectory(shm, "distillery-fuzz-") : Files.createTempDirectory("distillery-fuzz-");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
