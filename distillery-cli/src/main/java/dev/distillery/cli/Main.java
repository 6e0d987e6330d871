package dev.distillery.cli;

import dev.distillery.classify.BatchInference;
import dev.distillery.classify.ModelFolder;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code distillery} command line: one subcommand class per command, each a thin shell over
 * the library. Exit codes: 0 success, 1 failure, 2 usage error.
 */
@Command(name = "distillery",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Distil, quantize and verify transformer security classifiers in pure Java.",
        subcommands = {CommandLine.HelpCommand.class, InspectCommand.class, EmbedCommand.class, BenchCommand.class,
                TrainTeacherCommand.class, EvaluateCommand.class, PredictCommand.class, DistillCommand.class,
                DemoCommand.class, RunCommand.class, QuantizeCommand.class, PruneCommand.class, CalibrateCommand.class,
                ReportCommand.class, AttackCommand.class, ServeCommand.class, LoadTestCommand.class, ExportOnnxCommand.class,
                GenerateCommand.class, BenchGenerateCommand.class, TokenizeCommand.class, FinetuneCommand.class,
                McqCommand.class, AquaCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code; used by tests instead of {@link #main}. */
    public static int run(String... args) {
        BatchInference.showProgressOn(System.err);
        return configure(new CommandLine(new Main())).execute(args);
    }

    /** The error handling and global options every command line of ours needs (tests build their own). */
    static CommandLine configure(CommandLine cli) {
        cli.setExecutionExceptionHandler(new UserErrors());
        cli.setExecutionStrategy(Main::execute);
        return cli;
    }

    /**
     * Runs the chosen command with {@code --no-verify} applied as {@value ModelFolder#VERIFY_PROPERTY}{@code =false}
     * for its duration only, so that a command run in-process (by a test, or an embedding program) does not leave
     * later loads unchecked.
     */
    private static int execute(CommandLine.ParseResult parsed) {
        if (!parsed.expandedArgs().contains("--no-verify")) {
            return new CommandLine.RunLast().execute(parsed);
        }
        String before = System.getProperty(ModelFolder.VERIFY_PROPERTY);
        System.setProperty(ModelFolder.VERIFY_PROPERTY, "false");
        try {
            return new CommandLine.RunLast().execute(parsed);
        } finally {
            if (before == null) {
                System.clearProperty(ModelFolder.VERIFY_PROPERTY);
            } else {
                System.setProperty(ModelFolder.VERIFY_PROPERTY, before);
            }
        }
    }

    // Read by UserErrors from the parsed arguments; declared here so every subcommand accepts it.
    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "On an error, print its stack trace too.")
    boolean verbose;

    // Applied by execute() from the parsed arguments; declared here so every subcommand accepts it.
    @CommandLine.Option(names = "--no-verify", scope = CommandLine.ScopeType.INHERIT,
            description = "Load model folders without checking their files against the SHA-256 digests in their "
                    + "distillery.json (for very large models; see docs/model-files.md).")
    boolean noVerify;

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"distillery " + (version == null ? "dev" : version) + " on Java " + Runtime.version()};
        }
    }
}
