package dev.distillery.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The promises of the command line, checked over every subcommand {@link Main} has, so a command added
 * later is held to them too: {@code --help} ends with an example, exit codes are 0/1/2, and a user
 * error is one {@code error:} sentence without a stack trace.
 */
class CommandLineContractTest {
    @TempDir
    Path dir;

    private record Outcome(int code, String out, String err) {
    }

    /** Invocations that must fail on a missing file, before any real work; keyed by command name. */
    private Map<String, List<String>> failing() {
        String absent = dir.resolve("absent").toString();
        String out = dir.resolve("out").toString();
        return Map.ofEntries(
                Map.entry("inspect", List.of(absent)),
                Map.entry("embed", List.of("--model", absent, "--input", absent, "--output", out)),
                Map.entry("bench", List.of("--threads", "0")),
                Map.entry("train-teacher", List.of("--data", absent, "--out", out)),
                Map.entry("evaluate", List.of("--model", absent, "--data", absent)),
                Map.entry("predict", List.of("--model", absent, "--input", absent, "--output", out)),
                Map.entry("distill", List.of("--teacher", absent, "--out", out)),
                Map.entry("serve", List.of("--model", absent, "--port", "0")),
                Map.entry("quantize", List.of("--model", absent, "--scheme", "int8", "--out", out)),
                Map.entry("tokenize", List.of("--model", absent, "--input", absent, "--output", out)),
                Map.entry("finetune", List.of("--model", absent, "--data", absent, "--out", out)),
                // port 1 on loopback refuses the connection at once: one failed request
                Map.entry("load-test", List.of("--url", "http://127.0.0.1:1", "--requests", "1", "--warmup", "0",
                        "--concurrency", "1")));
    }

    static Stream<String> commands() {
        return new CommandLine(new Main()).getSubcommands().keySet().stream().filter(name -> !name.equals("help"));
    }

    private static Outcome run(String... args) {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    @Test
    void theCommandsAreTheOnesThisTestKnowsOrCanDerive() {
        assertTrue(commands().count() >= failing().size(), "every command the table names exists");
        for (String name : failing().keySet()) {
            assertTrue(commands().anyMatch(name::equals), name + " is in the table but not a command of Main");
        }
    }

    @ParameterizedTest
    @MethodSource("commands")
    void helpEndsWithAnExample(String name) {
        Outcome o = run(name, "--help");
        assertEquals(0, o.code(), o.err());
        CommandSpec spec = new CommandLine(new Main()).getSubcommands().get(name).getCommandSpec();
        String footer = String.join("\n", spec.usageMessage().footer());
        assertTrue(footer.contains("Example"), name + " --help has no example footer: " + footer);
        assertTrue(footer.contains("distillery " + name), name + "'s example does not run it: " + footer);
        for (String line : spec.usageMessage().footer()) {
            // picocli wraps help at 80 columns, which would break a command line in the middle
            assertTrue(line.length() <= spec.usageMessage().width(), name + "'s example line wraps: " + line);
        }
        String printed = o.out().substring(Math.max(0, o.out().lastIndexOf("Example")));
        assertTrue(printed.contains("distillery " + name), name + " --help does not end with its example:\n" + o.out());
    }

    @ParameterizedTest
    @MethodSource("commands")
    void anUnknownOptionIsAUsageError(String name) {
        Outcome o = run(name, "--no-such-option");
        assertEquals(2, o.code(), o.err());
        // picocli names a missing required option first when there is one, else the unknown one
        assertTrue(o.err().contains("--no-such-option") || o.err().contains("Missing required"), o.err());
        // with the usage, or with the options picocli finds close to it (every command has --no-verify)
        assertTrue(o.err().contains("Usage: distillery " + name) || o.err().contains("Possible solutions: "), o.err());
        assertFalse(o.err().contains("\tat "), o.err());
    }

    @Test
    void anUnknownCommandIsAUsageError() {
        Outcome o = run("no-such-command");
        assertEquals(2, o.code(), o.err());
        assertFalse(o.err().contains("\tat "), o.err());
    }

    @ParameterizedTest
    @MethodSource("commands")
    void aUserErrorIsOneSentenceAndExitCode1(String name) {
        List<String> args = failing().getOrDefault(name, derived(name));
        Assumptions.assumeTrue(args != null, name + " has no required argument to give a missing file; add it to failing()");
        Outcome o = run(Stream.concat(Stream.of(name), args.stream()).toArray(String[]::new));
        assertEquals(1, o.code(), name + " " + args + ":\n" + o.err());
        assertTrue(o.err().startsWith("error: "), o.err());
        assertEquals(1, o.err().strip().lines().count(), o.err());
        assertFalse(o.err().contains("\tat "), o.err());
    }

    /**
     * For a command the table does not know: every required option and positional parameter gets a
     * missing path, which a command must refuse before doing work. Null when it has none to give.
     */
    private List<String> derived(String name) {
        CommandSpec spec = new CommandLine(new Main()).getSubcommands().get(name).getCommandSpec();
        String absent = dir.resolve("absent").toString();
        List<String> args = new ArrayList<>();
        for (ArgSpec arg : spec.args()) {
            if (!arg.required()) {
                continue;
            }
            if (arg instanceof CommandLine.Model.OptionSpec option) {
                args.add(option.longestName());
            }
            args.add(absent);
        }
        return args.isEmpty() ? null : args;
    }

    @Test
    void escalationWithoutATeacherIsAUsageError() {
        Outcome o = run("serve", "--model", dir.resolve("absent").toString(), "--escalate-below", "0.5");
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("--escalate-below needs --teacher"), o.err());
    }
}
